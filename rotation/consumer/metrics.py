"""CloudWatch Embedded Metric Format (EMF) lines for the alarms in ``infra/``.

Names, units, namespace and dimensions come from :mod:`rotation.contract`, the same
module the alarms are built from. One JSON line per Synap call, written to stdout by
default (Lambda and the ECS ``awslogs`` driver ship stdout to CloudWatch Logs, which
turns EMF lines into metrics).

Why not aws-lambda-powertools ``Metrics``: it applies one dimension set to every
metric of a flush, and the contract needs two in the same call - the counts by
``Instance`` only (the error-rate math divides Errors by Requests per instance) and
``Latency`` by ``Instance, Operation, Mode`` (one P95 alarm per operation and mode).
EMF allows several directives per line, so one line carries both; powertools'
``single_metric`` would need six lines per call and prints through a global. The
format is small (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html) and is written here directly.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from rotation.contract import (
    CLIENT_METRICS,
    CLIENT_NAMESPACE,
    INSTANCE_DIMENSION,
    LATENCY_DIMENSIONS,
)

__all__ = ["CallOutcome", "EmfMetrics", "ErrorKind", "emf_record"]

ErrorKind = Literal["auth", "rate_limited", "other"]
COUNT_METRICS = tuple(name for name in CLIENT_METRICS if name != "Latency")


@dataclass(frozen=True)
class CallOutcome:
    """What one Synap call did, as the metrics see it."""

    operation: str
    mode: str
    latency_ms: float
    error: ErrorKind | None = None
    zero_results: bool = False
    correlation_id: str | None = None


def emf_record(instance: str, outcome: CallOutcome, timestamp_ms: int) -> dict[str, Any]:
    """The EMF document for one call: counts by Instance, Latency by Instance/Operation/Mode.

    Every count is present, zeros included, so ``100 * Errors / Requests`` has both
    terms in every period that saw traffic.
    """
    values: dict[str, float] = {
        "Requests": 1,
        "Errors": 1 if outcome.error else 0,
        "AuthFailures": 1 if outcome.error == "auth" else 0,
        "RateLimited": 1 if outcome.error == "rate_limited" else 0,
        "ZeroResults": 1 if outcome.zero_results else 0,
        "Latency": round(outcome.latency_ms, 3),
    }
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": CLIENT_NAMESPACE,
                    "Dimensions": [[INSTANCE_DIMENSION]],
                    "Metrics": [{"Name": n, "Unit": CLIENT_METRICS[n]} for n in COUNT_METRICS],
                },
                {
                    "Namespace": CLIENT_NAMESPACE,
                    "Dimensions": [list(LATENCY_DIMENSIONS)],
                    "Metrics": [{"Name": "Latency", "Unit": CLIENT_METRICS["Latency"]}],
                },
            ],
        },
        "Instance": instance,
        "Operation": outcome.operation,
        "Mode": outcome.mode,
        **values,
    }
    if outcome.correlation_id:
        # a property, not a dimension: searchable in Logs Insights, free in CloudWatch
        record["correlation_id"] = outcome.correlation_id
    return record


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class EmfMetrics:
    """Writes one EMF line per call outcome. Thread-safe; ``write`` is injectable."""

    def __init__(
        self,
        instance: str,
        *,
        write: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not instance:
            raise ValueError("the Instance dimension must not be empty")
        self.instance = instance
        self._write = write or _stdout
        self._clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EmfMetrics(instance={self.instance!r})"

    def record(self, outcome: CallOutcome) -> None:
        line = json.dumps(
            emf_record(self.instance, outcome, int(self._clock() * 1000)),
            separators=(",", ":"),
        )
        with self._lock:
            self._write(line)
