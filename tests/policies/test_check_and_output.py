"""synap-policy check on stack exports and previews; text, JSON and SARIF output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .conftest import RunCli
from .helpers import broken_export, clean_export, generate_key

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0-subset.json").read_text())
ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_clean_export_passes(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("check", "--stack-export", str(write(tmp_path / "s.json", clean_export())))
    assert result.code == 0 and "check: ok: 0 finding(s)" in result.out


def test_broken_export_names_each_violation(tmp_path: Path, run_cli: RunCli) -> None:
    export, expected = broken_export()
    result = run_cli("check", "--stack-export", str(write(tmp_path / "s.json", export)), "--json")
    assert result.code == 1
    report = json.loads(result.out)
    for rule_id, fragment in expected.items():
        assert any(
            f["rule_id"] == rule_id and fragment in f["message"] for f in report["findings"]
        ), rule_id
    key_values = [
        r["inputs"]["environment"]["variables"]["SYNAP_API_KEY"]
        for r in export["deployment"]["resources"]
        if r["type"] == "aws:lambda/function:Function"
    ]
    assert key_values[0] not in result.out


def test_preview_json_is_checked_from_new_states(tmp_path: Path, run_cli: RunCli) -> None:
    export, _ = broken_export()
    steps = [
        {"op": "create", "urn": r["urn"], "newState": r} for r in export["deployment"]["resources"]
    ]
    steps.append({"op": "delete", "urn": "urn:x", "oldState": {"type": "aws:s3/bucket:Bucket"}})
    path = write(tmp_path / "preview.json", {"steps": steps, "changeSummary": {"create": 1}})
    result = run_cli("check", "--preview-json", str(path))
    assert result.code == 1 and "no-key-in-resource-inputs" in result.out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "is not JSON"),
        ('{"deployment": {}}', "not a stack export"),
        ('{"deployment": {"resources": [{"urn": "x"}]}}', "is not a resource"),
        (b"\xff\xfe", "is not UTF-8"),
    ],
)
def test_invalid_export_is_one_line_exit_2(
    tmp_path: Path, run_cli: RunCli, content: str | bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = run_cli("check", "--stack-export", str(path))
    assert result.code == 2 and message in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_check_usage(tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("check").code == 2
    path = str(write(tmp_path / "s.json", clean_export()))
    assert run_cli("check", "--stack-export", path, "--preview-json", path).code == 2
    assert run_cli("check", "--stack-export", str(tmp_path / "missing.json")).code == 2


def test_plan_from_make_plan_is_clean(tmp_path: Path, run_cli: RunCli) -> None:
    """GIVEN the example stack planned offline by infra (what `make plan` writes)."""
    from infra.plan import build_plan

    plan = write(tmp_path / "plan.json", build_plan(ROOT / "Pulumi.example.yaml"))
    result = run_cli("check", "--stack-export", str(plan))
    assert result.code == 0, result.out
    assert "resources" in result.out


def test_sarif_from_scan_and_check_is_valid_2_1_0(tmp_path: Path, run_cli: RunCli) -> None:
    key = generate_key()
    (tmp_path / "my app").mkdir()
    (tmp_path / "my app" / ".env").write_text(f"KEY={key}\nlog_level=DEBUG # synap\n")
    out = tmp_path / "scan.sarif"
    result = run_cli("scan", str(tmp_path / "my app"), "--format", "sarif", "--output", str(out))
    assert result.code == 1 and "scan: FAILED" in result.out
    log = json.loads(out.read_text())
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"synap-api-key", "sdk-log-level", "sdk-timeouts"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"]
        assert "%20" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert key not in out.read_text()

    export, _ = broken_export()
    check = run_cli(
        "check", "--stack-export", str(write(tmp_path / "s.json", export)), "-f", "sarif"
    )
    log = json.loads(check.out)
    jsonschema.validate(log, SCHEMA)
    logical = log["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"].startswith("urn:pulumi:")


def test_rules_command_lists_the_catalogue(run_cli: RunCli) -> None:
    result = run_cli("rules", "--json")
    ids = [r["id"] for r in json.loads(result.out)]
    assert result.code == 0 and "synap-api-key" in ids and "monitoring-alarms" in ids
    assert "checklist" in json.loads(result.out)[0]
