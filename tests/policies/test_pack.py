"""The CrossGuard policies called in-process on recorded mock resources."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.pack import POLICIES
from policies.rules.catalog import RULES

from .helpers import broken_export, clean_export

POLICY = {p.name: p for p in POLICIES}


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_args(res: dict[str, Any]) -> ResourceValidationArgs:
    name = res["urn"].rsplit("::", 1)[-1]
    return ResourceValidationArgs(res["type"], res["inputs"], res["urn"], name, _opts(), None)


def stack_args(export: dict[str, Any]) -> StackValidationArgs:
    resources = {
        r["urn"]: PolicyResource(
            r["type"],
            {**r["outputs"], "id": r.get("id", "")},
            r["urn"],
            r["urn"].rsplit("::", 1)[-1],
            _opts(),
            None,
            None,
            [],
            {},
        )
        for r in export["deployment"]["resources"]
    }
    return StackValidationArgs(list(resources.values()))


def run_pack(export: dict[str, Any]) -> dict[str, list[tuple[str, str | None]]]:
    """Every policy over the export, as `pulumi preview --policy-pack` would call them."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for policy in POLICIES:
        reports: list[tuple[str, str | None]] = []

        def report(message: str, urn: str | None = None, into: list[Any] = reports) -> None:
            into.append((message, urn))

        if isinstance(policy, ResourceValidationPolicy):
            for res in export["deployment"]["resources"]:
                policy.validate(resource_args(res), report)
        else:
            assert isinstance(policy, StackValidationPolicy)
            policy.validate(stack_args(export), report)
        if reports:
            found[policy.name] = reports
    return found


def test_every_policy_is_a_catalogue_rule_with_its_enforcement() -> None:
    for policy in POLICIES:
        rule = RULES[policy.name]
        assert policy.enforcement_level == EnforcementLevel(rule.enforcement)
        assert policy.remediation_steps == rule.remediation
    assert POLICY["no-key-in-resource-inputs"].enforcement_level == EnforcementLevel.MANDATORY


def test_clean_stack_passes_every_policy() -> None:
    assert run_pack(clean_export()) == {}


def test_broken_stack_is_blocked_by_each_policy() -> None:
    export, expected = broken_export()
    found = run_pack(export)
    for rule_id, fragment in expected.items():
        assert any(fragment in message for message, _ in found[rule_id]), rule_id
    # stack policies point at the resource in violation
    assert all(urn for _, urn in found["secret-rotation-enabled"])


def test_importing_the_pack_does_not_start_a_policy_pack() -> None:
    import sys

    assert "policies.__main__" not in sys.modules
