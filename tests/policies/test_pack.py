"""The CrossGuard policies called in-process on recorded mock resources."""

from __future__ import annotations

from typing import Any

import pytest
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

from .helpers import broken_export, clean_export, generate_key

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


def test_unknown_values_in_a_preview_neither_skip_nor_fail_the_resource() -> None:
    """GIVEN a preview where the grace and the KMS key are computed later (unknown)."""
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    from policies.rules.resource_model import is_unknown

    key = generate_key()
    props = {
        "environment": {"variables": {"SYNAP_GRACE_SECONDS": UNKNOWN_STRING_VALUE, "K": key}},
        "role": UNKNOWN_STRING_VALUE,
    }
    urn = "urn:pulumi:s::p::aws:lambda/function:Function::fn"
    args = ResourceValidationArgs(
        "aws:lambda/function:Function", unknown_checking_proxy(props), urn, "fn", _opts(), None
    )
    reports: dict[str, list[str]] = {}
    for name in ("no-key-in-resource-inputs", "revoke-grace-period"):
        policy = POLICY[name]
        assert isinstance(policy, ResourceValidationPolicy)

        def report(message: str, urn: str | None = None, rule: str = name) -> None:
            reports.setdefault(rule, []).append(message)

        policy.validate(args, report)
    assert "no-key-in-resource-inputs" in reports  # the known key is still caught
    assert "revoke-grace-period" not in reports  # the unknown grace is not a violation
    assert is_unknown(UNKNOWN_STRING_VALUE) and not is_unknown("172800")


def test_main_builds_the_pack_with_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """`policies/__main__.py` (what `pulumi preview --policy-pack policies` runs), with the
    blocking PolicyPack swapped for a recorder."""
    import runpy

    import pulumi_policy

    built: dict[str, Any] = {}

    def recorder(**kwargs: Any) -> None:
        built.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", recorder)
    runpy.run_module("policies.__main__", run_name="__main__")
    assert built["name"] == "synap-keyops"
    assert built["enforcement_level"] == EnforcementLevel.MANDATORY
    assert [p.name for p in built["policies"]] == [p.name for p in POLICIES]
