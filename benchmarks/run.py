"""`make bench`: run every ``benchmarks/bench_*.py`` and print ONE table of ratios.

Each module exposes ``run() -> list[dict]`` (rows with bench, metric, ours, peer,
peer_value, ratio, target, ok), measured against its peer in the same run. The rows
also go to ``build/bench.json``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = ("bench", "metric", "ours", "peer", "peer_value", "ratio", "target", "ok")
HEADERS = ("bench", "metric", "synap-keyops", "peer", "peer value", "ratio", "target", "ok")


def discover() -> list[str]:
    return sorted(f"benchmarks.{p.stem}" for p in (ROOT / "benchmarks").glob("bench_*.py"))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if value is True:
        return "yes"
    if value is False:
        return "NO"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    cells = [HEADERS] + [tuple(_cell(r.get(c)) for c in COLUMNS) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    started = time.perf_counter()
    only = set(sys.argv[1:])  # `python benchmarks/run.py bench_scanner` runs just that one
    for name in discover():
        if only and name.removeprefix("benchmarks.") not in only:
            continue
        print(f"bench: running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(name).run())
        except Exception as exc:  # one broken bench must not hide the others' table
            failed.append(name)
            rows.append(_error_row(name, exc))
    print(table(rows))
    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows}, indent=2, default=str) + "\n")
    print(f"\n{len(rows)} rows in {time.perf_counter() - started:.0f} s; written to {out}")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _error_row(name: str, exc: Exception) -> dict[str, Any]:
    bench = name.removeprefix("benchmarks.bench_")
    return {"bench": bench, "metric": "error", "ours": f"{type(exc).__name__}: {exc}"[:80]}


if __name__ == "__main__":
    sys.exit(main())
