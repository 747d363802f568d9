"""Would the client alarms fire on these EMF lines? An offline preview for demos and tests.

CloudWatch (and moto, which never evaluates alarms) is not needed to see an alarm's
input: this reads the lines :class:`EmfMetrics` wrote for one evaluation period and
applies the monitoring contract's rules with the contract's default thresholds:

- error rate: ``100 * Errors / Requests`` > 1 %
- auth failures: ``AuthFailures`` >= 1
- rate limited / zero results: sum > threshold
- latency: P95 of ``Latency`` per (Operation, Mode) > the alarm's milliseconds

Example::

    for check in preview_alarms(lines, "inst_0123456789abcdef"):
        print(check.alarm, check.value, "ALARM" if check.breached else "OK")
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rotation.contract import ALARM_DEFAULTS, CLIENT_NAMESPACE, LATENCY_ALARMS, LatencyAlarm

__all__ = ["AlarmCheck", "p95", "preview_alarms"]


@dataclass(frozen=True)
class AlarmCheck:
    """One alarm's input over the period, its threshold and whether it would fire."""

    alarm: str
    value: float
    threshold: float
    breached: bool


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])


def _records(lines: Iterable[str | Mapping[str, Any]], instance: str) -> list[Mapping[str, Any]]:
    out = []
    for line in lines:
        record = json.loads(line) if isinstance(line, str) else line
        directives = record.get("_aws", {}).get("CloudWatchMetrics", [])
        if record.get("Instance") == instance and any(
            d.get("Namespace") == CLIENT_NAMESPACE for d in directives
        ):
            out.append(record)
    return out


def preview_alarms(
    lines: Iterable[str | Mapping[str, Any]],
    instance: str,
    *,
    thresholds: Mapping[str, float] = ALARM_DEFAULTS,
    latency: Sequence[LatencyAlarm] = LATENCY_ALARMS,
) -> list[AlarmCheck]:
    """Every client alarm of ``instance`` over the given lines (one evaluation period)."""
    records = _records(lines, instance)

    def total(name: str) -> float:
        return float(sum(r.get(name, 0) for r in records))

    requests, errors = total("Requests"), total("Errors")
    rate = 100.0 * errors / requests if requests else 0.0
    checks = [
        AlarmCheck(
            "error-rate", rate, thresholds["error_rate_percent"],
            rate > thresholds["error_rate_percent"],
        ),
        AlarmCheck(
            "auth-failures", total("AuthFailures"), thresholds["auth_failures"],
            total("AuthFailures") >= thresholds["auth_failures"],
        ),
        AlarmCheck(
            "rate-limited", total("RateLimited"), thresholds["rate_limited"],
            total("RateLimited") > thresholds["rate_limited"],
        ),
        AlarmCheck(
            "zero-results", total("ZeroResults"), thresholds["zero_results"],
            total("ZeroResults") > thresholds["zero_results"],
        ),
    ]  # fmt: skip
    for alarm in latency:
        values = [
            float(r["Latency"])
            for r in records
            if r.get("Operation") == alarm.operation and r.get("Mode") == alarm.mode
        ]
        value = p95(values)
        checks.append(
            AlarmCheck(
                f"latency {alarm.operation} ({alarm.mode})",
                value,
                alarm.p95_ms,
                value > alarm.p95_ms,
            )
        )
    return checks
