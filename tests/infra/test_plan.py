"""`make plan`: a `pulumi stack export`-shaped file and a readable tree, offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra.iam import AwsScope, assume_role_policy, secret_arn_pattern
from infra.plan import build_plan, render_tree
from tests.infra.conftest import EXAMPLE, ROOT, Plan

FIELDS = {"urn", "type", "custom", "parent", "inputs", "outputs", "dependencies"}


def test_export_has_the_stack_export_shape(example_plan: Plan) -> None:
    assert example_plan.export["version"] == 3
    urns = {r["urn"] for r in example_plan.resources}
    for res in example_plan.resources:
        assert set(res) >= FIELDS
        assert res["parent"] is None or res["parent"] in urns
        assert set(res["dependencies"]) <= urns
        assert res["urn"].startswith("urn:pulumi:example::synap-keyops::")
    # parents are listed before their children, as in a real export
    seen: set[str] = set()
    for res in example_plan.resources:
        assert res["parent"] is None or res["parent"] in seen
        seen.add(res["urn"])


def test_plan_is_deterministic(example_plan: Plan) -> None:
    assert Plan(build_plan(EXAMPLE)).text == example_plan.text


def test_tree_shows_components_and_their_children(example_plan: Plan) -> None:
    tree = render_tree(example_plan.export)
    lines = tree.splitlines()
    assert lines[0] == "└─ pulumi:pulumi:Stack  synap-keyops-example"
    assert "   ├─ synap:keyops:RotationService  rotation" in lines
    assert any(line.endswith("synap:keyops:SynapInstance  inst_payments_agent") for line in lines)
    assert any(
        "aws:secretsmanager/secretRotation:SecretRotation  inst_payments_agent-api-key-rotation"
        in line
        for line in lines
    )
    assert len(lines) == len(example_plan.resources)


def test_make_plan_writes_the_file_and_prints_the_tree(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = subprocess.run(
        [sys.executable, "-m", "infra.plan", "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "synap:keyops:SynapInstance  inst_support_bot" in result.stdout
    assert "resources (" in result.stdout.splitlines()[-1]
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["version"] == 3 and len(plan["deployment"]["resources"]) == 70
    summary = subprocess.run(
        [sys.executable, "-m", "infra.plan", "--output", str(out), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    data = json.loads(summary.stdout)
    assert data["per_component"] == {
        "inst_payments_agent": 21,
        "inst_support_bot": 21,
        "rotation": 24,
    }


def test_iam_helpers() -> None:
    scope = AwsScope("aws", "eu-west-1", "123456789012")
    assert (
        secret_arn_pattern(scope, "a/b")
        == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b-??????"
    )
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf"
    assert secret_arn_pattern(scope, arn) == arn
    trust = assume_role_policy("scheduler.amazonaws.com", "123456789012")["Statement"][0]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
