"""`synap-policy checklist`: exit codes, formats, template, strict gate, errors; rendering."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from policies.checklist import command
from policies.checklist.items import ITEMS, attestable_ids
from policies.checklist.render import MARKDOWN_LIMIT

from .checklist_fixtures import TODAY, attestations_yaml, good_export, write_export, write_repo
from .conftest import RunCli
from .helpers import generate_key


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    att = tmp_path / "att.yaml"
    att.write_text(attestations_yaml(), encoding="utf-8")
    return {
        "repo": write_repo(tmp_path / "repo"),
        "stack": write_export(tmp_path / "plan.json", good_export()),
        "att": att,
    }


def _args(inputs: dict[str, Path], *extra: str) -> list[str]:
    return [
        "checklist",
        "--stack-export",
        str(inputs["stack"]),
        "--repo",
        str(inputs["repo"]),
        "--attestations",
        str(inputs["att"]),
        "--as-of",
        TODAY.isoformat(),
        *extra,
    ]


def test_all_green_exits_0_with_one_row_per_item(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    result = run_cli(*_args(inputs))
    assert result.code == 0, result.out + result.err
    for item_id in ITEMS:
        assert re.search(rf"^  (pass|attested) +{item_id} ", result.out, re.M), item_id
    assert result.out.rstrip().endswith(
        f"checklist: ok: {len(ITEMS)} items: {len(ITEMS) - len(attestable_ids())} pass, "
        f"0 fail, 0 manual, {len(attestable_ids())} attested, 0 stale"
    )


def test_a_fail_exits_1_and_names_the_item(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    (inputs["repo"] / ".env").write_text(f"SYNAP_API_KEY={generate_key()}\n", encoding="utf-8")
    result = run_cli(*_args(inputs))
    assert result.code == 1
    assert "checklist: FAILED" in result.out
    assert "(api-key-in-secrets-manager)" in result.out.splitlines()[-1]
    assert ".env:1" in result.out


def test_stale_exits_1(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    # the fixture attests 10 days before TODAY: 81 days later it is 91 days old
    result = run_cli(*_args(inputs)[:-1], (TODAY + timedelta(days=81)).isoformat())
    assert result.code == 1
    assert re.search(r"^  stale +instance-active ", result.out, re.M)
    ok = run_cli(*_args(inputs)[:-1], (TODAY + timedelta(days=80)).isoformat())
    assert ok.code == 0


def test_max_age_flag(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    assert run_cli(*_args(inputs, "--max-age-days", "9")).code == 1
    assert run_cli(*_args(inputs, "--max-age-days", "10")).code == 0


def test_the_default_clock_is_injectable(
    run_cli: RunCli, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _args(inputs)[:-2]  # no --as-of
    monkeypatch.setattr(command, "clock", lambda: TODAY + timedelta(days=200))
    assert run_cli(*args).code == 1
    monkeypatch.setattr(command, "clock", lambda: TODAY)
    assert run_cli(*args).code == 0


def test_manual_passes_unless_strict(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    inputs["att"].write_text("attestations: []\n", encoding="utf-8")
    lenient = run_cli(*_args(inputs))
    assert lenient.code == 0
    assert f"{len(attestable_ids())} manual" in lenient.out
    strict = run_cli(*_args(inputs, "--strict"))
    assert strict.code == 1
    assert "instance-active" in strict.out.splitlines()[-1]


def test_json_output(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    result = run_cli(*_args(inputs, "--json"))
    assert result.code == 0
    body = json.loads(result.out)
    assert body["failed"] is False and body["as_of"] == TODAY.isoformat()
    assert [i["id"] for i in body["items"]] == list(ITEMS)
    by_id = {i["id"]: i for i in body["items"]}
    assert by_id["sdk-log-level"]["decided_by"] == "rules"
    assert by_id["least-privilege-roles"]["decided_by"] == "rules+attestation"
    assert "production credentials" in by_id["instance-active"]["why"]
    assert by_id["api-key-in-secrets-manager"]["needs"] == ["stack", "repo"]
    assert by_id["instance-active"]["evidence"][0]["kind"] == "attestation"
    assert body["counts"]["attested"] == len(attestable_ids())
    assert set(body["inputs"]) == {"stack", "repo", "attestations"}


def test_markdown_is_a_table_for_a_pull_request(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    result = run_cli(*_args(inputs, "--format", "markdown"))
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "### Synap production checklist: ✅ ready"
    rows = [ln for ln in lines if ln.startswith("| ") and "`" in ln]
    assert len(rows) == len(ITEMS)
    assert all(ln.count(" | ") == 3 for ln in rows)  # no stray pipes from evidence
    assert "<details><summary>All evidence</summary>" in result.out


def test_markdown_stays_inside_a_comment_with_thousands_of_findings(
    run_cli: RunCli, inputs: dict[str, Path]
) -> None:
    # GIVEN a repository with 3000 leaked keys
    body = "".join(f"key_{i} = '{generate_key()}'\n" for i in range(3000))
    (inputs["repo"] / "leaks.py").write_text(body, encoding="utf-8")
    result = run_cli(*_args(inputs, "--format", "markdown"))
    assert result.code == 1
    assert len(result.out) <= MARKDOWN_LIMIT
    assert "❌ blocked" in result.out
    assert "Blocking: `api-key-in-secrets-manager`" in result.out


def test_output_file(run_cli: RunCli, inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "checklist.md"
    result = run_cli(*_args(inputs, "--format", "markdown", "--output", str(out)))
    assert result.code == 0
    assert out.read_text(encoding="utf-8").startswith("### Synap production checklist")
    assert result.out.startswith("checklist: ok:")


def test_write_template(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "att.yaml"
    result = run_cli("checklist", "--write-template", str(target), "--as-of", "2026-11-25")
    assert result.code == 0
    text = target.read_text(encoding="utf-8")
    assert "#   on: 2026-11-25" in text
    # the template is a valid (empty) attestations file
    check = run_cli("checklist", "--attestations", str(target), "--as-of", "2026-11-25")
    assert check.code == 0
    assert f"{len(ITEMS)} manual" in check.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "sarif"], "--format must be one of text, markdown, json, got 'sarif'"),
        (["--as-of", "yesterday"], "--as-of must be a date YYYY-MM-DD"),
        (["--max-age-days", "0"], "--max-age-days must be at least 1"),
        (["--repo", "/nonexistent/repo"], "--repo /nonexistent/repo: not a directory"),
        (["--stack-export", "/nonexistent.json"], "cannot read /nonexistent.json"),
        (["--attestations", "/nonexistent.yaml"], "cannot read /nonexistent.yaml"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli: RunCli, args: list[str], message: str) -> None:
    result = run_cli("checklist", *args)
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1
    assert message in result.err
    assert "Traceback" not in result.err


def test_invalid_attestations_exit_2(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    inputs["att"].write_text(
        "attestations:\n  - item: sdk-log-level\n    by: x\n    on: 2026-11-01\n    note: y\n",
        encoding="utf-8",
    )
    result = run_cli(*_args(inputs))
    assert result.code == 2
    assert "attestations[0].item: 'sdk-log-level' is checked by rules, not attested" in result.err


def test_not_a_stack_export_exit_2(run_cli: RunCli, inputs: dict[str, Path]) -> None:
    inputs["stack"].write_text('{"steps": []}', encoding="utf-8")
    result = run_cli(*_args(inputs))
    assert result.code == 2
    assert "not a stack export" in result.err


def test_help_explains_the_statuses(run_cli: RunCli) -> None:
    result = run_cli("checklist", "--help")
    assert result.code == 0
    assert "pass, fail, manual, attested, stale" in result.out
