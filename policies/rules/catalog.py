"""The rule catalogue: every family's rules in one mapping, and what is built from it.

Each family module defines its rules with the code that decides them; this module only
assembles them. The pack's policies, ``check``'s resource and stack checks, ``scan``'s
detectors and the checklist's practice checks are all derived from :data:`RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from policies.exceptions import ConfigError
from policies.rules.embedded import NO_KEY_IN_RESOURCE_INPUTS
from policies.rules.iam import ROTATION_IAM_NO_WILDCARDS
from policies.rules.kms import SECRET_CUSTOMER_MANAGED_KMS
from policies.rules.model import (
    ENFORCEMENT_LEVELS,
    Enforcement,
    PracticeCheck,
    ResourceCheck,
    Rule,
    StackCheck,
)
from policies.rules.monitoring import MONITORING_ALARMS
from policies.rules.practices import PRACTICE_RULES
from policies.rules.rotation import ROTATION_RULES
from policies.rules.sdk import SDK_RULES
from policies.rules.secrets import SECRET_RULES

__all__ = [
    "PRACTICE_CHECKS",
    "RESOURCE_CHECKS",
    "RESOURCE_POLICY_RULES",
    "RULES",
    "STACK_CHECKS",
    "STACK_POLICY_RULES",
    "get_rule",
    "resolve_enforcement",
]

_ALL: tuple[Rule, ...] = (
    *SECRET_RULES,  # text: secrets
    *SDK_RULES,  # text and resource inputs: SDK settings
    NO_KEY_IN_RESOURCE_INPUTS,  # resources from here on
    SECRET_CUSTOMER_MANAGED_KMS,
    *ROTATION_RULES,
    MONITORING_ALARMS,
    ROTATION_IAM_NO_WILDCARDS,
    *PRACTICE_RULES.values(),  # the repository's practices (the checklist)
)

#: Rule id -> rule, in catalogue order (``synap-policy rules``, SARIF). Read-only.
RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in _ALL})

#: Rules with checks on resources: the resource family first, then the other families'
#: rules that also read resource inputs. ``check`` reports (and the pack lists) in this order.
_ON_RESOURCES = sorted(
    (r for r in _ALL if r.resource_checks or r.stack_checks), key=lambda r: r.family != "resource"
)
#: The pack's resource policies: rules decided one resource at a time.
RESOURCE_POLICY_RULES: tuple[Rule, ...] = tuple(r for r in _ON_RESOURCES if not r.stack_checks)
#: The pack's stack policies: rules that need the whole stack.
STACK_POLICY_RULES: tuple[Rule, ...] = tuple(r for r in _ON_RESOURCES if r.stack_checks)
#: ``check``: every resource check once (a check may report several rules), then the stack's.
RESOURCE_CHECKS: tuple[ResourceCheck, ...] = tuple(
    dict.fromkeys(c for r in _ON_RESOURCES for c in r.resource_checks)
)
STACK_CHECKS: tuple[StackCheck, ...] = tuple(
    dict.fromkeys(c for r in _ON_RESOURCES for c in r.stack_checks)
)
#: The checklist's repository practices, in catalogue order.
PRACTICE_CHECKS: tuple[PracticeCheck, ...] = tuple(r.practice for r in _ALL if r.practice)


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; :class:`ConfigError` names the known ids otherwise."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise ConfigError(f"unknown rule id {rule_id!r} (see `synap-policy rules`)") from None


def resolve_enforcement(overrides: Mapping[str, str] | None = None) -> dict[str, Enforcement]:
    """Each rule's enforcement: its default, replaced by ``overrides`` (rule id -> level).

    Defaults cover the rules ``scan`` and ``check`` report (practices are the
    checklist's); an override may name any rule.

    >>> resolve_enforcement({"sdk-log-level": "mandatory"})["sdk-log-level"]
    'mandatory'
    """
    levels: dict[str, Enforcement] = {r.id: r.enforcement for r in _ALL if r.practice is None}
    for rule_id, level in (overrides or {}).items():
        get_rule(rule_id)
        if level not in ENFORCEMENT_LEVELS:
            raise ConfigError(
                f"enforcement for {rule_id} must be one of {', '.join(ENFORCEMENT_LEVELS)}, "
                f"got {level!r}"
            )
        levels[rule_id] = level
    return levels
