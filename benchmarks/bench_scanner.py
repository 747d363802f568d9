"""The pull-request scanner against detect-secrets and ripgrep on a 52 MB corpus.

Measured in the same run on the same files: throughput (best of N wall-clock runs),
recall on the planted Synap keys and other secrets, false positives on the planted
negatives and elsewhere. detect-secrets runs on a fixed subset (it scans at well under
1 MB/s); its throughput, recall and noise are taken there and compared with ours on the
same subset. A peer that is not installed reads "n/a".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpus import build_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "build" / "bench-corpus"
SIZE_MB = float(os.environ.get("SYNAP_BENCH_MB", "52"))
SUBSET_MB = float(os.environ.get("SYNAP_BENCH_SUBSET_MB", "2"))
REPEAT = int(os.environ.get("SYNAP_BENCH_REPEAT", "3"))
RG_PATTERN = "synap_[0-9A-Za-z]{58}"

Row = dict[str, Any]
Loc = tuple[str, int]


def _truth(corpus: Path, size_mb: float) -> dict[str, Any]:
    marker = corpus / ".truth.json"
    if marker.exists():
        truth = json.loads(marker.read_text())
        if abs(truth["bytes"] / 1e6 - size_mb) < size_mb * 0.1 + 0.5:
            return dict(truth)  # same corpus as last time: it is deterministic
    shutil.rmtree(corpus, ignore_errors=True)
    build_corpus(corpus, size_mb)
    return dict(json.loads(marker.read_text()))


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _ours(paths: list[Path], corpus: Path, repeat: int) -> tuple[float, set[Loc]]:
    from policies.rules.catalog import RULES, resolve_enforcement
    from policies.scanner import scan_paths

    levels = resolve_enforcement()
    seconds, result = _best(lambda: scan_paths(paths, levels, base=corpus), repeat)
    found = {(f.path, f.line) for f in result.findings if RULES[f.rule_id].family == "secret"}
    return seconds, found


def _ours_cli(corpus: Path, repeat: int) -> float | None:
    exe = Path(sys.executable).with_name("synap-policy")
    if not exe.exists():
        return None
    argv = [str(exe), "scan", ".", "--format", "json", "--output", os.devnull]
    seconds, _ = _best(lambda: subprocess.run(argv, cwd=corpus, capture_output=True), repeat)
    return seconds


def _ripgrep(corpus: Path, repeat: int) -> tuple[float | None, set[Loc]]:
    rg = shutil.which("rg")
    if rg is None:
        return None, set()
    argv = [rg, "-n", "--no-heading", "--no-messages", "-o", RG_PATTERN, "."]
    seconds, out = _best(lambda: subprocess.run(argv, cwd=corpus, capture_output=True), repeat)
    found = set()
    for line in out.stdout.decode(errors="replace").splitlines():
        path, number, _ = line.split(":", 2)
        found.add((path.removeprefix("./"), int(number)))
    return seconds, found


def _detect_secrets(files: list[Path], corpus: Path) -> tuple[float | None, set[Loc]]:
    try:
        from detect_secrets.core.secrets_collection import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None, set()
    found: set[Loc] = set()
    start = time.perf_counter()
    with default_settings():
        collection = SecretsCollection()
        for path in files:
            collection.scan_file(str(path))
    seconds = time.perf_counter() - start
    for filename, secret in collection:
        rel = Path(filename).resolve().relative_to(corpus.resolve()).as_posix()
        found.add((rel, int(secret.line_number)))
    return seconds, found


def _subset(corpus: Path, mb: float) -> list[Path]:
    picked, size = [], 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != ".truth.json"):
        picked.append(path)
        size += path.stat().st_size
        if size >= mb * 1e6:
            break
    return picked


def _score(found: set[Loc], truth: dict[str, Any], scope: set[str] | None = None) -> dict[str, int]:
    def keep(items: list[list[Any]]) -> set[Loc]:
        locs = {(str(p), int(n)) for p, n in items}
        return {loc for loc in locs if scope is None or loc[0] in scope}

    synap, other, negatives = keep(truth["synap"]), keep(truth["other"]), keep(truth["negatives"])
    return {
        "synap_found": len(found & synap),
        "synap_total": len(synap),
        "other_found": len(found & other),
        "other_total": len(other),
        "negatives_flagged": len(found & negatives),
        "false_positives": len(found - synap - other),
    }


def _row(
    metric: str,
    ours: Any,
    peer: str,
    peer_value: Any,
    ratio: float | None,
    target: str,
    ok: bool | None,
) -> Row:
    return {
        "bench": "scanner",
        "metric": metric,
        "ours": ours,
        "peer": peer,
        "peer_value": peer_value,
        "ratio": ratio,
        "target": target,
        "ok": ok,
    }


def run() -> list[Row]:
    """Build (or reuse) the corpus, measure everything once, return the table rows."""
    truth = _truth(CORPUS, SIZE_MB)
    mb = truth["bytes"] / 1e6
    ours_s, ours_found = _ours([CORPUS], CORPUS, REPEAT)
    ours_mbs = mb / ours_s
    cli_s = _ours_cli(CORPUS, max(1, REPEAT - 1))
    rg_s, rg_found = _ripgrep(CORPUS, REPEAT)
    subset = _subset(CORPUS, SUBSET_MB)
    subset_mb = sum(p.stat().st_size for p in subset) / 1e6
    scope = {p.relative_to(CORPUS).as_posix() for p in subset}
    ds_s, ds_found = _detect_secrets(subset, CORPUS)
    ours_sub_s, ours_sub_found = _ours(subset, CORPUS, REPEAT)
    score = _score(ours_found, truth)
    rows = [
        _row("corpus", f"{mb:.1f} MB, {truth['files']} files", "", "", None, ">= 50 MB", mb >= 50),
        _row(
            "throughput (MB/s, in-process)",
            round(ours_mbs, 1),
            "ripgrep (Synap pattern)",
            round(mb / rg_s, 1) if rg_s else "n/a",
            round(rg_s / ours_s, 3) if rg_s else None,
            "ripgrep within 3x (ratio >= 0.33)",
            (rg_s / ours_s >= 1 / 3) if rg_s else None,
        ),
        _row(
            "throughput (MB/s, CLI incl. start-up)",
            round(mb / cli_s, 1) if cli_s else "n/a",
            "ripgrep (Synap pattern)",
            round(mb / rg_s, 1) if rg_s else "n/a",
            round(rg_s / cli_s, 3) if rg_s and cli_s else None,
            "(reported)",
            None,
        ),
        _row(
            f"throughput on {subset_mb:.1f} MB subset (MB/s)",
            round(subset_mb / ours_sub_s, 1),
            "detect-secrets",
            round(subset_mb / ds_s, 3) if ds_s else "n/a",
            round(ds_s / ours_sub_s, 1) if ds_s else None,
            ">= 300x",
            (ds_s / ours_sub_s >= 300) if ds_s else None,
        ),
        _row(
            "recall: planted Synap keys",
            f"{score['synap_found']}/{score['synap_total']}",
            "ripgrep (Synap pattern)",
            f"{len(rg_found & {tuple(x) for x in truth['synap']})}/{score['synap_total']}"
            if rg_s
            else "n/a",
            None,
            "100 %",
            score["synap_found"] == score["synap_total"],
        ),
        _row(
            "recall: other planted secrets",
            f"{score['other_found']}/{score['other_total']}",
            "",
            "",
            None,
            "100 %",
            score["other_found"] == score["other_total"],
        ),
        _row(
            "false positives: planted negatives",
            score["negatives_flagged"],
            "ripgrep (Synap pattern)",
            len(rg_found & {tuple(x) for x in truth["negatives"]}) if rg_s else "n/a",
            None,
            "0",
            score["negatives_flagged"] == 0,
        ),
        _row(
            "false positives: anywhere else",
            score["false_positives"] - score["negatives_flagged"],
            "",
            "",
            None,
            "0",
            score["false_positives"] == score["negatives_flagged"],
        ),
    ]
    if ds_s is not None:
        ds = _score(ds_found, truth, scope)
        ours_sub = _score(ours_sub_found, truth, scope)
        rows += [
            _row(
                "subset recall: Synap keys",
                f"{ours_sub['synap_found']}/{ours_sub['synap_total']}",
                "detect-secrets",
                f"{ds['synap_found']}/{ds['synap_total']}",
                None,
                "100 %",
                ours_sub["synap_found"] == ours_sub["synap_total"],
            ),
            _row(
                "subset findings that are not planted secrets",
                ours_sub["false_positives"],
                "detect-secrets",
                ds["false_positives"],
                None,
                "0",
                ours_sub["false_positives"] == 0,
            ),
        ]
    return rows
