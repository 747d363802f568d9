"""IAM's inline-policy quota on the rotation role is checked before anything is created."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import parse_stack_config
from infra.exceptions import ConfigError
from infra.plan import build_plan, load_stack_file
from infra.quota import INLINE_POLICY_QUOTA, inline_policy_chars
from tests.infra.conftest import EXAMPLE, Plan


def role_policy_chars(plan: Plan) -> int:
    return sum(
        len(json.dumps(json.loads(r["inputs"]["policy"]), separators=(",", ":")))
        for r in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if r["inputs"]["role"].startswith("rotation-role")
    )


def test_estimate_never_undercounts_the_real_policies(example_plan: Plan) -> None:
    raw, secret_keys, stack = load_stack_file(EXAMPLE)
    estimate = inline_policy_chars(parse_stack_config(raw, secret_keys), stack, "eu-west-1")
    actual = role_policy_chars(example_plan)
    assert actual <= estimate <= actual * 1.15


def big_fleet(n: int) -> dict[str, Any]:
    instance = {
        "tier": "standard",
        "deployers": [
            {"type": "ecs", "cluster": "production", "services": ["api-service", "worker"]},
            {"type": "http", "url": "https://hooks.example.com/x", "signing_secret_id": "hooks/s"},
        ],
    }
    return {
        "config": {
            "aws:region": "eu-west-1",
            "synap-keyops:admin_key": {"secure": "v1:placeholder"},
            "synap-keyops:instances": [
                {"instance_id": f"inst_{i:016x}", **instance} for i in range(n)
            ],
        }
    }


def test_a_fleet_too_big_for_one_role_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.big.yaml"
    path.write_text(yaml.safe_dump(big_fleet(12)), encoding="utf-8")
    message = (
        r"12 instances need \d+ characters of IAM policy on the rotation role, "
        rf"over IAM's {INLINE_POLICY_QUOTA}: split them across stacks"
    )
    with pytest.raises(ConfigError, match=message):
        build_plan(path)
    raw, secret_keys, stack = load_stack_file(path)
    fits = parse_stack_config(raw, secret_keys)
    assert inline_policy_chars(fits, stack, "eu-west-1") > INLINE_POLICY_QUOTA
    path.write_text(yaml.safe_dump(big_fleet(7)), encoding="utf-8")
    raw, secret_keys, stack = load_stack_file(path)
    assert (
        inline_policy_chars(parse_stack_config(raw, secret_keys), stack, "eu-west-1")
        <= INLINE_POLICY_QUOTA
    )
