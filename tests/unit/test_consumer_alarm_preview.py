"""The offline alarm preview reads EMF lines the way the alarms read the metrics."""

from __future__ import annotations

import pytest

from rotation.consumer import CallOutcome, EmfMetrics
from rotation.consumer.alarm_preview import AlarmCheck, p95, preview_alarms


def lines(outcomes: list[CallOutcome], instance: str = "inst_a") -> list[str]:
    out: list[str] = []
    metrics = EmfMetrics(instance, write=out.append, clock=lambda: 0.0)
    for outcome in outcomes:
        metrics.record(outcome)
    return out


def by_name(checks: list[AlarmCheck]) -> dict[str, AlarmCheck]:
    return {c.alarm: c for c in checks}


def test_healthy_traffic_fires_nothing() -> None:
    ok = [CallOutcome("context.fetch", "fast", 100.0) for _ in range(200)]
    checks = preview_alarms(lines(ok), "inst_a")
    assert not [c for c in checks if c.breached]
    assert len(checks) == 4 + 4  # four count alarms, four latency alarms


def test_two_percent_errors_and_one_auth_failure_fire() -> None:
    outcomes = [CallOutcome("context.fetch", "fast", 10.0) for _ in range(98)]
    outcomes += [CallOutcome("context.fetch", "fast", 10.0, "other")]
    outcomes += [CallOutcome("context.fetch", "fast", 10.0, "auth")]
    checks = by_name(preview_alarms(lines(outcomes), "inst_a"))
    assert checks["error-rate"].value == pytest.approx(2.0) and checks["error-rate"].breached
    assert checks["auth-failures"].breached and not checks["rate-limited"].breached


def test_p95_latency_per_operation_and_mode() -> None:
    slow = [CallOutcome("context.fetch", "accurate", 1600.0) for _ in range(10)]
    fast = [CallOutcome("context.fetch", "fast", 400.0) for _ in range(10)]
    checks = by_name(preview_alarms(lines(slow + fast), "inst_a"))
    assert checks["latency context.fetch (accurate)"].breached
    assert not checks["latency context.fetch (fast)"].breached  # 400 < 500
    assert checks["latency memories.create (fast)"].value == 0.0


def test_other_instances_lines_are_ignored() -> None:
    noisy = lines([CallOutcome("m", "fast", 1.0, "auth")], instance="inst_b")
    assert not by_name(preview_alarms(noisy, "inst_a"))["auth-failures"].breached


def test_nearest_rank_p95() -> None:
    assert p95([]) == 0.0
    assert p95(list(range(1, 101))) == 95.0
    assert p95([5.0]) == 5.0
