"""Calls and time per rotation: the engine against the AWS rotation template's call pattern.

On one LocalStack (moto + the Synap emulator on 127.0.0.1): a fleet of managed secrets,
each rotated once. AWS calls are counted with botocore ``before-call`` hooks (the engine's
own counter, which is one; a :class:`CallCounter` on the template's client), Synap calls
from the emulator's request log. The peer is :mod:`benchmarks.template_rotation`. Then the
local driver rotates N secrets (10, 30, 100) on a pool of 8 engines, against N times the
per-secret time of a sequential run (one warm engine, the smallest N) measured in the same
run: how time grows with the number of secrets.
"""

from __future__ import annotations

import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import (
    CallCounter,
    Row,
    aws_environment,
    bench_stack,
    engine_for,
    make_fleet,
    median_of,
    ratio,
    row,
)
from benchmarks.template_rotation import template_rotate

SIZES = tuple(int(n) for n in os.environ.get("SYNAP_BENCH_ROTATION_SIZES", "10,30,100").split(","))
SINGLE = int(os.environ.get("SYNAP_BENCH_ROTATION_SINGLE", "5"))
WORKERS = int(os.environ.get("SYNAP_BENCH_ROTATION_WORKERS", "8"))


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def _aws(calls: dict[str, int]) -> int:
    return sum(n for k, n in calls.items() if not k.startswith("synap."))


def ours_once(stack: Any, session: Any, secret_id: str) -> dict[str, Any]:
    """One local rotation on a fresh engine (as one Lambda invocation per rotation builds one):
    wall time, AWS calls of the four steps and of deploy + verify, Synap calls."""
    from unittest import mock

    from rotation.engine import driver
    from rotation.engine.deploy import deploy_and_verify

    engine = engine_for(stack, session)
    marks: dict[str, dict[str, int]] = {}

    def marked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        marks["deploy"] = driver.call_counts(engine)
        return deploy_and_verify(*args, **kwargs)

    emulator_before = dict(stack.emu.requests)
    start = time.perf_counter()
    # Patched where the driver looks it up, to count the calls of each phase.
    try:
        with mock.patch.object(driver, "deploy_and_verify", marked):
            report = driver.rotate_in_process(engine, secret_id)
    finally:
        engine.close()

    seconds = time.perf_counter() - start
    total = report["calls"]
    steps = {k: v for k, v in marks["deploy"].items() if v and not k.startswith("synap.")}
    return {
        "seconds": seconds,
        "aws": _aws(total),
        "aws_steps": sum(steps.values()),
        "synap": sum(_diff(dict(stack.emu.requests), emulator_before).values()),
        "calls": total,
    }


def template_once(stack: Any, session: Any, secret_id: str) -> dict[str, Any]:
    """One rotation by the template's pattern (its client built per rotation, as its handler
    builds one per invocation)."""
    from scripts.local_stack import ADMIN_SECRET_ID

    counter = CallCounter()
    emulator_before = dict(stack.emu.requests)
    start = time.perf_counter()
    sm = counter.attach(session.client("secretsmanager"))
    template_rotate(sm, stack.emu.url, ADMIN_SECRET_ID, secret_id)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "aws": counter.total,
        "synap": sum(_diff(dict(stack.emu.requests), emulator_before).values()),
        "calls": counter.calls,
    }


def rotate_many(stack: Any, names: list[str], workers: int) -> dict[str, Any]:
    """Rotate ``names`` with the local driver on ``workers`` threads, one engine each."""
    import boto3

    from rotation.engine.driver import rotate_in_process
    from rotation.exceptions import KeyOpsError

    pool: queue.Queue[Any] = queue.Queue()
    for _ in range(workers):
        # boto3 sessions and client creation are not thread-safe: build them here.
        engine = engine_for(stack, boto3.session.Session())
        engine.clients.client("secretsmanager")
        engine.clients.client("cloudwatch")
        engine.synap()
        pool.put(engine)

    def one(secret_id: str) -> bool:
        engine = pool.get()
        try:
            rotate_in_process(engine, secret_id)
            return True
        except KeyOpsError:  # Synap, AWS and engine errors: counted as failed, the bench goes on
            return False
        finally:
            pool.put(engine)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(one, names))
    seconds = time.perf_counter() - start
    while not pool.empty():
        pool.get().close()
    return {"seconds": seconds, "ok": sum(results), "failed": len(results) - sum(results)}


def measure(
    sizes: tuple[int, ...] = SIZES, single: int = SINGLE, workers: int = WORKERS
) -> dict[str, Any]:
    import boto3

    with bench_stack() as stack, aws_environment(stack.env):
        names = make_fleet(stack, 2 * single + sum(sizes) + min(sizes), "synap/bench/rotation")
        session = boto3.session.Session()
        ours, template = [], []
        for i in range(single):  # interleaved: the machine's noise falls on both
            ours.append(ours_once(stack, session, names[2 * i]))
            template.append(template_once(stack, session, names[2 * i + 1]))
        offset = 2 * single + sum(sizes)
        sequential = rotate_many(stack, names[offset : offset + min(sizes)], 1)
        fleet, offset = {}, 2 * single
        for n in sizes:
            fleet[n] = rotate_many(stack, names[offset : offset + n], workers)
            offset += n
    per_secret = sequential["seconds"] / min(sizes)
    return {
        "ours": ours,
        "template": template,
        "fleet": fleet,
        "workers": workers,
        "sequential_per_secret": per_secret,
    }


def rows_from(m: dict[str, Any]) -> list[Row]:
    ours, template = m["ours"], m["template"]
    first, peer = ours[0], template[0]
    aws_ratio = ratio(first["aws"], peer["aws"])
    steps_ratio = ratio(first["aws_steps"], peer["aws"])
    synap_ratio = ratio(first["synap"], peer["synap"])
    one_ours = median_of([r["seconds"] for r in ours])
    one_peer = median_of([r["seconds"] for r in template])
    rows = [
        row(
            "rotation",
            "AWS calls per rotation (4 steps + deploy/verify)",
            first["aws"],
            "AWS template pattern",
            peer["aws"],
            aws_ratio,
            "fewer, never more (<= 1x)",
            aws_ratio is not None and aws_ratio <= 1,
            calls_ours=first["calls"],
            calls_template=peer["calls"],
        ),
        row(
            "rotation",
            "AWS calls in the 4 protocol steps only",
            first["aws_steps"],
            "AWS template pattern",
            peer["aws"],
            steps_ratio,
            "fewer, never more (<= 1x)",
            steps_ratio is not None and steps_ratio <= 1,
        ),
        row(
            "rotation",
            "Synap calls per rotation (emulator log)",
            first["synap"],
            "AWS template pattern",
            peer["synap"],
            synap_ratio,
            "fewer, never more (<= 1x)",
            synap_ratio is not None and synap_ratio <= 1,
        ),
        row(
            "rotation",
            f"one local rotation (ms, median of {len(ours)})",
            round(one_ours * 1000, 1),
            "AWS template pattern",
            round(one_peer * 1000, 1),
            ratio(one_ours, one_peer),
            "(reported)",
            None,
        ),
    ]
    for n, result in m["fleet"].items():
        each_ms = result["seconds"] / n * 1e3
        sequential = n * m["sequential_per_secret"]
        rows.append(
            row(
                "rotation",
                f"{n} secrets, pool of {m['workers']} (s; {each_ms:.0f} ms each)",
                round(result["seconds"], 2),
                f"{n} x sequential per-secret time",
                round(sequential, 2),
                ratio(result["seconds"], sequential),
                f"all {n} rotated",
                result["failed"] == 0,
                rotated=result["ok"],
                failed=result["failed"],
            )
        )
    return rows


def run() -> list[Row]:
    return rows_from(measure())
