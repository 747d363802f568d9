"""A tiny corpus through the benchmark's generator, scorer and table (not the full bench)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from benchmarks.bench_scanner import _ours, _score
from benchmarks.corpus import build_corpus
from benchmarks.run import discover, table


def test_tiny_corpus_full_recall_no_false_positive(tmp_path: Path) -> None:
    truth = build_corpus(tmp_path / "c", size_mb=0.4, keys=30)
    assert truth.bytes >= 400_000 and len(truth.synap) == 30 and len(truth.negatives) == 30
    _, found = _ours([tmp_path / "c"], tmp_path / "c", 1)
    score = _score(found, json.loads((tmp_path / "c" / ".truth.json").read_text()))
    assert score["synap_found"] == score["synap_total"] == 30
    assert score["other_found"] == score["other_total"]
    assert score["false_positives"] == 0


def test_corpus_is_deterministic(tmp_path: Path) -> None:
    a = build_corpus(tmp_path / "a", size_mb=0.1, keys=5)
    b = build_corpus(tmp_path / "b", size_mb=0.1, keys=5)
    assert a.to_dict() == b.to_dict()


def test_run_discovers_bench_modules_and_prints_one_table() -> None:
    assert "benchmarks.bench_scanner" in discover()
    row = {"bench": "x", "metric": "m", "ours": 1, "peer": "p", "peer_value": 2, "ratio": 0.5}
    text = table([row | {"target": "t", "ok": True}])
    assert text.splitlines()[0].startswith("bench") and "yes" in text


def test_a_failing_bench_module_becomes_an_error_row(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from benchmarks import run as runner

    broken = types.ModuleType("benchmarks.bench_broken")

    def explode() -> list[dict[str, object]]:
        raise RuntimeError("boom")

    broken.run = explode  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_broken", broken)
    monkeypatch.setattr(runner, "discover", lambda: ["benchmarks.bench_broken"])
    monkeypatch.setattr(sys, "argv", ["run.py"])
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    assert runner.main() == 1
    assert "RuntimeError: boom" in capsys.readouterr().out
    assert (tmp_path / "build" / "bench.json").exists()
