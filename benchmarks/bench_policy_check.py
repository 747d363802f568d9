"""Policy check at scale: ``synap-policy check`` on a stack export of 10,000 resources.

The export is synthetic but made of real resources: the example stack's offline plan
(``python -m infra.plan``, 70 resources: secrets, rotations, the Lambda, roles, alarms...)
cloned with distinct URNs until it holds 10,000. The peer is ``json.load`` of the same
file alone (target <= 3x: the rules cost no more than reading the input), in-process and
best of N; the CLI (interpreter start-up, imports, rendering) is reported against a
fresh interpreter that only ``json.load``s the file.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, best_of, ratio, row

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench-policy"
RESOURCES = int(os.environ.get("SYNAP_BENCH_POLICY_RESOURCES", "10000"))
REPEAT = int(os.environ.get("SYNAP_BENCH_POLICY_REPEAT", "2"))
#: Resources a stack holds once, whatever its size.
SINGLETONS = ("pulumi:pulumi:Stack", "pulumi:providers:aws")


def example_plan(work: Path = WORK) -> dict[str, Any]:
    """The example stack's offline plan (``make plan`` shape), generated once into ``work``."""
    plan = work / "example-plan.json"
    if not plan.exists():
        work.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "infra.plan", "--output", str(plan)]
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True, timeout=300)
    return dict(json.loads(plan.read_text()))


def _rename(urn: str, suffix: str) -> str:
    head, sep, name = urn.rpartition("::")
    return f"{head}{sep}{name}{suffix}" if sep else urn


def scale(plan: dict[str, Any], count: int) -> dict[str, Any]:
    """A stack export of exactly ``count`` resources: the plan's, cloned with renamed URNs
    (and the parents and dependencies that point at cloned resources renamed alike)."""
    resources = plan["deployment"]["resources"]
    fixed = [r for r in resources if r["type"] in SINGLETONS]
    cloned = [r for r in resources if r["type"] not in SINGLETONS]
    own = {r["urn"] for r in cloned}
    out = list(fixed)
    copy_no = 0
    while len(out) < count:
        suffix = f"-c{copy_no}" if copy_no else ""

        def rename(urn: str, suffix: str = suffix) -> str:
            return _rename(urn, suffix) if urn in own else urn

        for resource in cloned:
            if len(out) >= count:
                break
            clone = copy.deepcopy(resource)
            clone["urn"] = rename(clone["urn"])
            if "parent" in clone:
                clone["parent"] = rename(clone["parent"])
            clone["dependencies"] = [rename(d) for d in clone.get("dependencies") or []]
            if clone.get("id"):
                clone["id"] = f"{clone['id']}{suffix}"
            out.append(clone)
        copy_no += 1
    return {**plan, "deployment": {**plan["deployment"], "resources": out}}


def write_export(count: int = RESOURCES, work: Path = WORK) -> Path:
    path = work / f"stack-{count}.json"
    if not path.exists():
        data = scale(example_plan(work), count)
        path.write_text(json.dumps(data, indent=1))
    return path


def _in_process(path: Path, repeat: int) -> dict[str, Any]:
    from policies.rules.catalog import resolve_enforcement
    from policies.stack import check_resources, load_resources

    levels = resolve_enforcement()

    def ours() -> tuple[int, int]:
        resources = load_resources(path, "stack-export")
        return len(resources), len(check_resources(resources, levels, path.as_posix()))

    def peer() -> None:
        with path.open(encoding="utf-8") as fh:
            json.load(fh)

    peer_s, _ = best_of(peer, repeat)
    ours_s, (resources, findings) = best_of(ours, repeat)
    peer_s = min(peer_s, best_of(peer, repeat)[0])  # both sides sampled after warm-up
    return {
        "ours": ours_s,
        "peer": peer_s,
        "resources": resources,
        "findings": findings,
        "per_rule_seconds": per_rule(load_resources(path, "stack-export")),
    }


def per_rule(resources: list[Any]) -> dict[str, float]:
    """Seconds each resource rule (over every resource) and each stack rule takes: where
    the time goes when the check is over its budget."""
    from policies.rules.catalog import RESOURCE_CHECKS, STACK_CHECKS

    out: dict[str, float] = {}
    for check in RESOURCE_CHECKS:
        start = time.perf_counter()
        for resource in resources:
            check(resource)
        out[check.__name__] = round(time.perf_counter() - start, 3)
    for stack_check in STACK_CHECKS:
        start = time.perf_counter()
        stack_check(resources)
        out[stack_check.__name__] = round(time.perf_counter() - start, 3)
    return out


def _cli(path: Path, repeat: int) -> dict[str, float | None]:
    exe = Path(sys.executable).with_name("synap-policy")
    if not exe.exists():
        return {"ours": None, "peer": None}
    ours = [str(exe), "check", "--stack-export", str(path), "--format", "json"]
    ours += ["--output", os.devnull]
    peer = [sys.executable, "-c", "import json, sys; json.load(open(sys.argv[1]))", str(path)]
    ours_s, _ = best_of(lambda: subprocess.run(ours, capture_output=True, check=False), repeat)
    peer_s, _ = best_of(lambda: subprocess.run(peer, capture_output=True, check=True), repeat)
    return {"ours": ours_s, "peer": peer_s}


def measure(count: int = RESOURCES, repeat: int = REPEAT, *, cli: bool = True) -> dict[str, Any]:
    path = write_export(count)
    result = _in_process(path, repeat)
    result["mb"] = path.stat().st_size / 1e6
    result["count"] = count
    result["cli"] = _cli(path, 1) if cli else None
    return result


def rows_from(m: dict[str, Any]) -> list[Row]:
    n, mb = m["count"], m["mb"]
    in_ratio = ratio(m["ours"], m["peer"])
    rows = [
        row(
            "policy check",
            f"check {n} resources ({mb:.1f} MB; {m['findings']} findings), in-process (s)",
            round(m["ours"], 3),
            "json.load of the same file",
            round(m["peer"], 3),
            in_ratio,
            "<= 3x",
            in_ratio is not None and in_ratio <= 3,
            per_rule_seconds=m["per_rule_seconds"],
        ),
        row(
            "policy check",
            "resources checked",
            m["resources"],
            "",
            "",
            None,
            f"all {n}",
            m["resources"] == n,
        ),
    ]
    cli = m["cli"]
    if cli and cli["ours"] is not None:
        rows.append(
            row(
                "policy check",
                f"synap-policy check, {n} resources (s, CLI)",
                round(cli["ours"], 3),
                "python -c json.load (same file)",
                round(cli["peer"], 3),
                ratio(cli["ours"], cli["peer"]),
                "(reported)",
                None,
            )
        )
    return rows


def run() -> list[Row]:
    return rows_from(measure())
