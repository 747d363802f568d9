"""synap-policy scan on a fixture repository: paths, .gitignore, a real git diff, the index."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from policies.gitdiff import parse_diff

from .conftest import RunCli, commit
from .helpers import generate_key, git, token


def test_scan_paths_respects_gitignore_and_reports_skips(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [generate_key() for _ in range(5)]
    commit(
        repo,
        {
            ".gitignore": "*.local\nbuild/\n",
            "app/.env": f"SYNAP_API_KEY={keys[0]}\n",
            "app/settings.local": f"SYNAP_API_KEY={keys[1]}\n",
            "build/out.txt": f"{keys[2]}\n",
            "app/logo.png": b"\x89PNG\x00\x00" + keys[3].encode(),
            "app/latin1.txt": b"caf\xe9 " + f"key={keys[4]}".encode(),
            "app/big.json": "[" + ",".join(['"x"'] * 2000) + "]",
        },
    )
    monkeypatch.chdir(repo)
    result = run_cli("scan", ".", "--json", "--max-file-size", "4000")
    report = json.loads(result.out)
    assert result.code == 1
    assert sorted(f["path"] for f in report["findings"]) == ["app/.env", "app/latin1.txt"]
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["app/logo.png"] == "binary"
    assert skipped["app/big.json"].startswith("larger than 4000 bytes")
    assert report["stats"]["files"] == 3  # .gitignore, .env, latin1.txt
    assert not any(k in result.out + result.err for k in keys)


def test_unreadable_file_is_a_reported_skip(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(repo, {"a.txt": "hello\n", "b.txt": "world\n"})
    real_open = open

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "a.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("policies.scanner.open", fake_open, raising=False)
    monkeypatch.chdir(repo)
    result = run_cli("scan", "a.txt", "b.txt")
    assert result.code == 0
    assert "skipped a.txt: unreadable: Permission denied" in result.out


def test_diff_scans_only_added_lines_with_their_real_line_numbers(
    repo: Path, run_cli: RunCli
) -> None:
    old_key, new_key = generate_key(), generate_key()
    commit(repo, {"config/app.yaml": f"name: app\napi_key: {old_key}\nregion: eu\n"}, "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(
        repo,
        {
            "config/app.yaml": f"name: app\napi_key: {old_key}\nregion: eu\nbackup: {new_key}\n",
            "docs/notes.md": "nothing to see\n",
        },
        "head",
    )
    result = run_cli("scan", "--diff", f"{base}..HEAD", "--repo", str(repo), "--json")
    report = json.loads(result.out)
    assert result.code == 1
    (finding,) = report["findings"]  # the key already in the base is not the diff's
    assert (finding["path"], finding["line"], finding["rule_id"]) == (
        "config/app.yaml",
        4,
        "synap-api-key",
    )
    assert finding["preview"] == new_key[:10] + "…"
    assert report["stats"]["files"] == 2


def test_staged_scans_the_index(repo: Path, run_cli: RunCli) -> None:
    commit(repo, {"README.md": "hi\n"})
    (repo / "deploy.sh").write_text(f'curl -H "Authorization: Bearer {token(40)}" https://x\n')
    assert run_cli("scan", "--staged", "--repo", str(repo)).code == 0  # not staged yet
    git(repo, "add", "deploy.sh")
    result = run_cli("scan", "--staged", "--repo", str(repo))
    assert result.code == 1 and "deploy.sh:1:" in result.out and "bearer-token" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--diff", "HEAD..nope"], "unknown revision 'nope'"),
        (["--diff", "not-a-range"], "is not of the form BASE..HEAD"),
    ],
)
def test_bad_diff_range_is_one_line_exit_2(
    repo: Path, run_cli: RunCli, args: list[str], message: str
) -> None:
    commit(repo, {"a.txt": "a\n"})
    result = run_cli("scan", *args, "--repo", str(repo))
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_diff_outside_a_repository(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("scan", "--diff", "a..b", "--repo", str(tmp_path))
    assert result.code == 2 and "not inside a git repository" in result.err


def test_allow_comment_needs_a_reason(tmp_path: Path, run_cli: RunCli) -> None:
    key = generate_key()
    allowed = tmp_path / "allowed.py"
    allowed.write_text(f'KEY = "{key}"  # synap-policy: allow synap-api-key revoked test fixture\n')
    above = tmp_path / "above.yaml"
    above.write_text(f"# synap-policy: allow synap-api-key documented sample\nkey: {key}\n")
    bare = tmp_path / "bare.py"
    bare.write_text(f'KEY = "{key}"  # synap-policy: allow synap-api-key\n')
    other_rule = tmp_path / "other.py"
    other_rule.write_text(f'KEY = "{key}"  # synap-policy: allow private-key not this one\n')
    assert run_cli("scan", str(allowed), str(above)).code == 0
    result = run_cli("scan", str(bare), "--json")
    assert result.code == 1
    assert "needs a reason" in json.loads(result.out)["findings"][0]["message"]
    assert run_cli("scan", str(other_rule)).code == 1


def test_baseline_accepts_old_findings_without_hiding_new_ones(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old, new = generate_key(), generate_key()
    (tmp_path / "app.env").write_text(f"A={old}\n")
    assert run_cli("scan", "app.env", "--write-baseline", "baseline.json").code == 0
    text = (tmp_path / "baseline.json").read_text()
    data = json.loads(text)
    assert data["version"] == 1 and len(data["findings"]) == 1
    assert old not in text and "time" not in text  # no timestamps: no merge conflicts
    # lines move: still accepted
    (tmp_path / "app.env").write_text(f"# moved\n\nA={old}\n")
    assert run_cli("scan", "app.env", "--baseline", "baseline.json").code == 0
    # a different secret on the same line is not hidden
    (tmp_path / "app.env").write_text(f"# moved\n\nA={new}\n")
    result = run_cli("scan", "app.env", "--baseline", "baseline.json", "--json")
    assert result.code == 1 and json.loads(result.out)["stats"]["baselined"] == 0
    # writing twice gives the same bytes (sorted, stable)
    run_cli("scan", "app.env", "--write-baseline", "b1.json")
    run_cli("scan", "app.env", "--write-baseline", "b2.json")
    assert (tmp_path / "b1.json").read_bytes() == (tmp_path / "b2.json").read_bytes()


@pytest.mark.parametrize(
    "content", ["{not json", '{"version": 2, "findings": []}', '{"version": 1, "findings": [{}]}']
)
def test_malformed_baseline_is_exit_2(tmp_path: Path, run_cli: RunCli, content: str) -> None:
    (tmp_path / "b.json").write_text(content)
    (tmp_path / "x.txt").write_text("x\n")
    result = run_cli("scan", str(tmp_path / "x.txt"), "--baseline", str(tmp_path / "b.json"))
    assert result.code == 2 and result.err.startswith("synap-policy: error: baseline")


def test_usage_errors(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("scan").code == 2
    assert run_cli("scan", str(tmp_path), "--staged").code == 2
    assert run_cli("scan", str(tmp_path), "--format", "xml").code == 2
    assert run_cli("scan", str(tmp_path), "--enforce", "nope=mandatory").code == 2
    assert run_cli("scan", str(tmp_path), "--enforce", "synap-api-key").code == 2
    assert run_cli("scan", str(tmp_path), "--bogus").code == 2
    assert run_cli("scan", str(tmp_path / "missing")).code == 0  # reported skip


def test_enforcement_override_makes_advisory_findings_block(
    tmp_path: Path, run_cli: RunCli
) -> None:
    cfg = tmp_path / "synap.yaml"
    cfg.write_text("synap:\n  log_level: DEBUG\n  timeout: 30\n")
    assert run_cli("scan", str(cfg)).code == 0  # advisory: reported, not blocking
    assert run_cli("scan", str(cfg), "--enforce", "sdk-log-level=mandatory").code == 1
    assert (
        "sdk-log-level" not in run_cli("scan", str(cfg), "--enforce", "sdk-log-level=disabled").out
    )


def test_parse_diff_handles_binary_and_added_plus_lines() -> None:
    raw = (
        b"diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,0 +2,2 @@\n+++ x\n+y\n"
        b"diff --git a/i.png b/i.png\nBinary files a/i.png and b/i.png differ\n"
        b"diff --git a/gone b/gone\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )
    files = parse_diff(raw)
    assert [(f.path, f.binary, f.lines) for f in files] == [
        ("a.txt", False, [(2, b"++ x"), (3, b"y")]),
        ("i.png", True, []),
    ]


def test_parallel_scan_matches_the_sequential_one(tmp_path: Path) -> None:
    from policies.rules.catalog import resolve_enforcement
    from policies.scanner import scan_paths

    for i in range(40):
        body = f"SYNAP_API_KEY={generate_key()}\n" if i % 3 == 0 else "nothing here\n"
        (tmp_path / f"f{i:02}.env").write_text(body * 2)
    levels = resolve_enforcement()
    one = scan_paths([tmp_path], levels, base=tmp_path, jobs=1)
    two = scan_paths([tmp_path], levels, base=tmp_path, jobs=2)
    assert two.findings == one.findings and len(one.findings) == 28
    assert (two.files_scanned, two.bytes_scanned) == (one.files_scanned, one.bytes_scanned)


def test_unlistable_directory_is_a_reported_skip(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.txt").write_text("fine\n")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_cli("scan", str(tmp_path), "--json")
    report = json.loads(result.out)
    assert result.code == 0
    assert [s["reason"] for s in report["skipped"]] == ["unreadable: Permission denied"]
