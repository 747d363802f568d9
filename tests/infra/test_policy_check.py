"""The offline plan passes the project's policy check, and a weakened plan does not."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Plan

CLI = Path(sys.executable).parent / "synap-policy"


def check(plan: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not CLI.exists():
        pytest.skip("synap-policy is not installed")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return subprocess.run(
        [str(CLI), "check", "--stack-export", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_example_plan_is_clean(example_plan: Plan, alt_plan: Plan, tmp_path: Path) -> None:
    for plan in (example_plan, alt_plan):
        result = check(plan.export, tmp_path)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_weakened_plan_is_caught(example_plan: Plan, tmp_path: Path) -> None:
    # GIVEN the example plan with one rotation stretched past its tier and one alarm removed
    plan = copy.deepcopy(example_plan.export)
    resources = plan["deployment"]["resources"]
    for res in resources:
        if res["urn"].endswith("::inst_payments_agent-api-key-rotation"):
            res["inputs"]["rotationRules"]["automaticallyAfterDays"] = 90
    plan["deployment"]["resources"] = [
        r for r in resources if not r["urn"].endswith("::rotation-lambda-errors")
    ]
    # WHEN the policy check reads it THEN it fails and says why
    result = check(plan, tmp_path)
    assert result.returncode == 1
    assert "inst_payments_agent" in result.stdout and "Lambda Errors" in result.stdout
