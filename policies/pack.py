"""The CrossGuard policies, built from the same rules as ``synap-policy check``.

Plain ``(args, report_violation)`` functions wrapped in pulumi-policy's policy classes.
Importing this module starts nothing; only ``policies/__main__.py`` builds the
``PolicyPack`` (which starts a gRPC server and blocks). Enforcement defaults come from
the rule catalogue (mandatory for embedded keys) and each policy can be overridden with
``pulumi preview --policy-pack policies --policy-pack-config FILE``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.rules.catalog import RESOURCE_POLICY_RULES, STACK_POLICY_RULES
from policies.rules.model import Rule
from policies.rules.resource_model import Resource

__all__ = [
    "PACK_NAME",
    "POLICIES",
    "plain",
    "resource_from_args",
    "resource_from_policy_resource",
    "validate_resource",
    "validate_stack",
]

PACK_NAME = "synap-keyops"
_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW}


def plain(value: Any) -> Any:
    """Plain dicts and lists out of pulumi-policy's unknown-checking proxies.

    Reading an unknown value through the proxy raises, which would skip the whole
    resource; the rules instead see Pulumi's unknown sentinel and let it pass.
    """
    if isinstance(value, Mapping):
        try:
            target = value["__target"]  # the proxy's documented escape hatch
        except KeyError:
            target = value
        return {str(k): plain(v) for k, v in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        try:
            items = value["__target"]  # type: ignore[call-overload]
        except (KeyError, TypeError, IndexError):
            items = value
        return [plain(v) for v in items]
    return value


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    return Resource(type=args.resource_type, urn=args.urn, props=plain(args.props))


def resource_from_policy_resource(r: PolicyResource) -> Resource:
    # Stack validations see outputs as props: they are also where ids and ARNs live.
    props: Mapping[str, Any] = plain(r.props)
    return Resource(
        type=r.resource_type,
        urn=r.urn,
        props=props,
        id=str(props.get("id", "") or ""),
        outputs=props,
        dependencies=tuple(d.urn for d in r.dependencies),
    )


def validate_resource(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """The resource validation of one rule: report each violation of that rule."""
    checks = rule.resource_checks

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = resource_from_args(args)
        for check in checks:
            for v in check(resource):
                if v.rule_id == rule.id:
                    report_violation(v.message, None)

    validate.__name__ = rule.id.replace("-", "_")
    return validate


def validate_stack(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    """The stack validation of one rule: per-resource and whole-stack checks."""
    resource_checks, stack_checks = rule.resource_checks, rule.stack_checks

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [resource_from_policy_resource(r) for r in args.resources]
        violations = [v for r in resources for check in resource_checks for v in check(r)]
        violations += [v for check in stack_checks for v in check(resources)]
        for v in violations:
            if v.rule_id == rule.id:
                report_violation(v.message, v.urn or None)

    validate.__name__ = rule.id.replace("-", "_")
    return validate


def _policy_kwargs(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.id,
        "description": rule.title,
        "enforcement_level": EnforcementLevel(rule.enforcement),
        "severity": Severity.CRITICAL if rule.critical else _SEVERITY[rule.severity],
        "remediation_steps": rule.remediation,
        "tags": [rule.family, "synap"],
    }


def _build() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    built: list[ResourceValidationPolicy | StackValidationPolicy] = [
        ResourceValidationPolicy(validate=validate_resource(rule), **_policy_kwargs(rule))
        for rule in RESOURCE_POLICY_RULES
    ]
    built += [
        StackValidationPolicy(validate=validate_stack(rule), **_policy_kwargs(rule))
        for rule in STACK_POLICY_RULES
    ]
    return built


#: Every policy of the pack: one per catalogue rule with resource or stack checks.
POLICIES = _build()
