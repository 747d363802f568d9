"""Each benchmark module at a tiny size: it imports, measures and yields well-formed rows.

The real sizes (1,000 secrets, 10,000 resources, 100 rotations) run only under
``make bench``; here every bench runs in seconds on a LocalStack (moto + the emulator on
127.0.0.1) or on small generated files.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import bench_audit, bench_coldstart, bench_policy_check, bench_rotation
from benchmarks.common import aws_environment, bench_stack, make_fleet
from benchmarks.run import COLUMNS, discover
from benchmarks.template_rotation import template_rotate
from scripts.local_stack import ADMIN_SECRET_ID, LocalStack


def _well_formed(rows: list[dict[str, Any]]) -> None:
    assert rows
    for r in rows:
        assert set(COLUMNS) <= set(r), r
        json.dumps(r, default=str)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with bench_stack() as local, aws_environment(local.env):
        yield local


def test_run_discovers_every_bench() -> None:
    found = set(discover())
    assert {
        "benchmarks.bench_coldstart",
        "benchmarks.bench_rotation",
        "benchmarks.bench_audit",
        "benchmarks.bench_policy_check",
    } <= found


def test_template_peer_rotates_a_key_synap_accepts(stack: LocalStack) -> None:
    [secret_id] = make_fleet(stack, 1, "synap/smoke/template")
    before = json.loads(stack.sm.get_secret_value(SecretId=secret_id)["SecretString"])
    template_rotate(stack.sm, stack.emu.url, ADMIN_SECRET_ID, secret_id)
    raw = stack.sm.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    after = json.loads(raw["SecretString"])
    assert after["key_id"] != before["key_id"]
    assert stack.emu.store.authenticate(after["instance_id"], after["api_key"], touch=False)
    stages = stack.sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    assert not any("AWSPENDING" in s for s in stages.values())


def test_rotation_bench_counts_both_sides_and_rotates_every_secret() -> None:
    m = bench_rotation.measure(sizes=(2, 3), single=1, workers=2)
    # the template's pattern: 5 DescribeSecret, 4 GetSecretValue (admin, current, pending
    # probe, pending test), 1 PutSecretValue, 2 UpdateSecretVersionStage; create + verify
    assert m["template"][0]["aws"] == 12 and m["template"][0]["synap"] == 2
    assert m["ours"][0]["aws"] >= m["ours"][0]["aws_steps"] > 0
    assert all(f["failed"] == 0 for f in m["fleet"].values())
    rows = bench_rotation.rows_from(m)
    _well_formed(rows)
    assert [r["ok"] for r in rows if "pool of" in r["metric"]] == [True, True]


def test_audit_bench_counts_calls_of_both_loops() -> None:
    m = bench_audit.measure(4, cli=False)
    assert m["reported"] == m["naive_reported"] == 4
    assert m["naive_calls"] == {
        "secretsmanager.ListSecrets": 1,
        "secretsmanager.DescribeSecret": 4,
    }
    assert m["ours_calls"].get("secretsmanager.ListSecrets") == 1
    # the report comes from the ListSecrets pages; the metric goes out in one batch
    assert "secretsmanager.DescribeSecret" not in m["ours_calls"]
    assert m["ours_calls"].get("cloudwatch.PutMetricData") == 1
    assert "secretsmanager.ListSecretVersionIds" not in m["ours_calls"]
    assert m["pages_calls"] == 1
    rows = bench_audit.rows_from(m)
    _well_formed(rows)
    assert rows[0]["ours"] == sum(m["ours_calls"].values())


def _tiny_plan() -> dict[str, Any]:
    stack_urn = "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t"
    secret_urn = "urn:pulumi:t::p::aws:secretsmanager/secret:Secret::key"
    return {
        "version": 3,
        "deployment": {
            "manifest": {},
            "resources": [
                {"type": "pulumi:pulumi:Stack", "urn": stack_urn},
                {
                    "type": "aws:secretsmanager/secret:Secret",
                    "urn": secret_urn,
                    "id": "key-id",
                    "parent": stack_urn,
                    "inputs": {"name": "synap/t/key"},
                },
                {
                    "type": "aws:secretsmanager/secretRotation:SecretRotation",
                    "urn": "urn:pulumi:t::p::aws:secretsmanager/secretRotation:SecretRotation::rot",
                    "parent": secret_urn,
                    "dependencies": [secret_urn],
                    "inputs": {
                        "secretId": "key-id",
                        "rotationRules": {"automaticallyAfterDays": 30},
                    },
                },
            ],
        },
    }


def test_policy_export_scales_with_unique_urns_and_checks_every_resource(tmp_path: Path) -> None:
    data = bench_policy_check.scale(_tiny_plan(), 25)
    resources = data["deployment"]["resources"]
    assert len(resources) == 25
    assert len({r["urn"] for r in resources}) == 25
    urns = {r["urn"] for r in resources}
    assert all(r["parent"] in urns for r in resources if "parent" in r)
    assert all(set(r.get("dependencies") or []) <= urns for r in resources)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(data))
    m = bench_policy_check._in_process(path, 1)
    assert m["resources"] == 25
    assert set(m["per_rule_seconds"]) >= {"check_embedded_keys", "check_rotation"}
    _well_formed(bench_policy_check.rows_from(m | {"count": 25, "mb": 0.01, "cli": None}))


def test_zip_facts_name_what_must_stay_out(tmp_path: Path) -> None:
    path = tmp_path / "f.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("rotation/handler.py", "x = 1\n")
        zf.writestr("botocore/__init__.py", "")
    facts = bench_coldstart.zip_facts(path)
    assert facts["files"] == 2 and facts["excluded_present"] == ["botocore"]
    times = {
        name: {"median": 0.1, "samples": [0.1], "forbidden": []} for name in bench_coldstart.PROBES
    }
    rows = bench_coldstart.rows_from(times, facts)
    _well_formed(rows)
    assert rows[0]["ratio"] == 1.0 and rows[0]["ok"] is True
    assert rows[-1]["ok"] is False  # botocore in the zip


def test_coldstart_probe_runs_the_handler_from_the_zip_without_the_cli_stack(
    tmp_path: Path,
) -> None:
    path = bench_coldstart.lambda_tree(tmp_path / "tree")
    result = bench_coldstart.probe("handler", path)
    assert result["seconds"] > 0
    assert result["forbidden"] == []
    assert (path[0] / "rotation" / "handler.py").exists()
    assert not (path[0] / "rotation" / "cli.py").exists()
    assert not (path[0] / "rotation" / "cli").exists()
    assert not (path[0] / "rotation" / "emulator").exists()
