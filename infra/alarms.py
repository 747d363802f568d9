"""CloudWatch alarm definitions from the monitoring contract (pure, no Pulumi).

Every metric name, namespace, dimension and default threshold comes from
`rotation.contract`, so the emitter and the alarms cannot drift apart.

Missing data, chosen per alarm:

* client metrics (error rate, auth failures, rate limited, zero results, latency) and
  rotation event counters (rotation failed, revoke failed, revoke postponed, Lambda errors):
  ``notBreaching``. Applications and the engine only publish these when something happens;
  no traffic or no failure means no data point, and that is healthy.
* days since last rotation: ``breaching``. The daily sweep publishes it for every managed
  secret; if it stops arriving the sweep itself is broken, and a key could go stale unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from infra.config import InstanceConfig
from rotation.contract import (
    CLIENT_METRICS,
    CLIENT_NAMESPACE,
    INSTANCE_DIMENSION,
    LATENCY_DIMENSIONS,
    ROTATION_METRICS,
    ROTATION_NAMESPACE,
    SECRET_DIMENSION,
)

__all__ = ["AlarmSpec", "MetricRef", "instance_alarms", "lambda_alarms", "metric_alarm_args"]

RUNBOOKS = "runbooks/alarms"
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"
DAY = 86_400


@dataclass(frozen=True)
class MetricRef:
    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str  # "Sum", "Maximum" or a percentile like "p95"
    period: int


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: a single metric or a metric-math expression over several."""

    key: str
    description: str
    comparison: str
    threshold: float
    treat_missing_data: str
    metric: MetricRef | None = None
    expression: str | None = None
    inputs: dict[str, MetricRef] = field(default_factory=dict)
    evaluation_periods: int = 1

    @property
    def runbook(self) -> str:
        """The page under runbooks/alarms/ an operator opens for this alarm."""
        base = self.key.split("-api-key")[0].split("-webhook-secret")[0]
        return "latency" if base.startswith("latency-") else base


def _client(name: str, instance_id: str, stat: str, period: int, **dims: str) -> MetricRef:
    assert name in CLIENT_METRICS, name
    return MetricRef(
        CLIENT_NAMESPACE, name, {INSTANCE_DIMENSION: instance_id, **dims}, stat, period
    )


def _rotation(name: str, dims: dict[str, str], stat: str, period: int) -> MetricRef:
    assert name in ROTATION_METRICS, name
    return MetricRef(ROTATION_NAMESPACE, name, dims, stat, period)


def instance_alarms(
    instance: InstanceConfig, secrets: Sequence[tuple[str, str]]
) -> list[AlarmSpec]:
    """The alarms of one Synap instance and its secrets ((name, kind) pairs).

    Thresholds come from the instance's config: the contract's defaults, overridden.
    """
    specs = _client_alarms(instance)
    for name, kind in secrets:
        specs += _secret_alarms(instance, name, kind)
    return specs


def _client_alarms(instance: InstanceConfig) -> list[AlarmSpec]:
    """Error rate, auth failures, rate limited, zero results and P95 latency of one instance."""
    iid, th = instance.instance_id, instance.alarms
    err_period = int(th["error_rate_period_seconds"])
    specs = [
        AlarmSpec(
            "error-rate",
            f"{iid}: 100 * Errors / Requests > {th['error_rate_percent']:g} % "
            f"over {err_period // 60} minutes",
            "GreaterThanThreshold",
            th["error_rate_percent"],
            NOT_BREACHING,
            expression="100 * errors / requests",
            inputs={
                "errors": _client("Errors", iid, "Sum", err_period),
                "requests": _client("Requests", iid, "Sum", err_period),
            },
        ),
        AlarmSpec(
            "auth-failures",
            f"{iid}: any authentication failure (revoked or leaked key?)",
            "GreaterThanOrEqualToThreshold",
            th["auth_failures"],
            NOT_BREACHING,
            metric=_client("AuthFailures", iid, "Sum", int(th["auth_failures_period_seconds"])),
        ),
        AlarmSpec(
            "rate-limited",
            f"{iid}: more than {th['rate_limited']:g} rate-limited calls in 5 minutes",
            "GreaterThanThreshold",
            th["rate_limited"],
            NOT_BREACHING,
            metric=_client("RateLimited", iid, "Sum", 300),
        ),
        AlarmSpec(
            "zero-results",
            f"{iid}: more than {th['zero_results']:g} zero-result fetches in 5 minutes",
            "GreaterThanThreshold",
            th["zero_results"],
            NOT_BREACHING,
            metric=_client("ZeroResults", iid, "Sum", 300),
        ),
    ]
    for lat in th.latency:
        dims = dict(zip(LATENCY_DIMENSIONS, (iid, lat.operation, lat.mode), strict=True))
        specs.append(
            AlarmSpec(
                f"latency-{lat.operation.replace('.', '-').replace('_', '-')}-{lat.mode}",
                f"{iid}: P95 {lat.operation} ({lat.mode}) > {lat.p95_ms:g} ms over 5 minutes",
                "GreaterThanThreshold",
                lat.p95_ms,
                NOT_BREACHING,
                metric=MetricRef(CLIENT_NAMESPACE, "Latency", dims, "p95", 300),
            )
        )
    return specs


def _secret_alarms(instance: InstanceConfig, name: str, kind: str) -> list[AlarmSpec]:
    """Rotation overdue and the rotation / revoke event alarms of one secret."""
    th = instance.alarms
    short = name.rsplit("/", 1)[-1]
    by_secret = {SECRET_DIMENSION: name}
    specs = [
        AlarmSpec(
            f"rotation-overdue-{short}",
            f"{name} not rotated within {instance.rotation_days} days + "
            f"{th['rotation_overdue_grace_days']:g} (or the daily sweep stopped reporting)",
            "GreaterThanThreshold",
            instance.rotation_days + th["rotation_overdue_grace_days"],
            BREACHING,
            metric=_rotation("DaysSinceLastRotation", by_secret, "Maximum", DAY),
        )
    ]
    events = [("RotationFailed", "rotation-failed", "a rotation failed and was rolled back")]
    if kind == "api-key":
        events += [
            ("RevokeFailed", "revoke-failed", "revoking a replaced key failed"),
            ("RevokePostponed", "revoke-postponed", "a revoke was postponed (key still in use)"),
        ]
    for metric, key, what in events:
        specs.append(
            AlarmSpec(
                f"{key}-{short}",
                f"{name}: {what}",
                "GreaterThanOrEqualToThreshold",
                1,
                NOT_BREACHING,
                metric=_rotation(metric, by_secret, "Sum", 300),
            )
        )
    return specs


def lambda_alarms(function_name: str, dlq_name: str) -> list[AlarmSpec]:
    """Alarms on the rotation Lambda itself."""
    return [
        AlarmSpec(
            "lambda-errors",
            "rotation Lambda errors >= 1 in 5 minutes",
            "GreaterThanOrEqualToThreshold",
            1,
            NOT_BREACHING,
            metric=MetricRef("AWS/Lambda", "Errors", {"FunctionName": function_name}, "Sum", 300),
        ),
        AlarmSpec(
            "dead-letters",
            "rotation events in the dead-letter queue",
            "GreaterThanOrEqualToThreshold",
            1,
            NOT_BREACHING,
            metric=MetricRef(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": dlq_name},
                "Maximum",
                300,
            ),
        ),
    ]


def _stat_args(ref: MetricRef) -> dict[str, Any]:
    if ref.stat.startswith("p"):
        return {"extended_statistic": ref.stat}
    return {"statistic": ref.stat}


def metric_alarm_args(spec: AlarmSpec, topic_arn: Any) -> dict[str, Any]:
    """Keyword arguments of `aws.cloudwatch.MetricAlarm` for a spec, actions to the topic."""
    args: dict[str, Any] = {
        "alarm_description": f"{spec.description}. Runbook: {RUNBOOKS}/{spec.runbook}.md",
        "comparison_operator": spec.comparison,
        "threshold": spec.threshold,
        "evaluation_periods": spec.evaluation_periods,
        "treat_missing_data": spec.treat_missing_data,
        "alarm_actions": [topic_arn],
        "ok_actions": [topic_arn],
    }
    if spec.metric is not None:
        ref = spec.metric
        args |= {
            "namespace": ref.namespace,
            "metric_name": ref.name,
            "dimensions": ref.dimensions,
            "period": ref.period,
            **_stat_args(ref),
        }
        return args
    queries: list[dict[str, Any]] = [
        {
            "id": qid,
            "return_data": False,
            "metric": {
                "namespace": ref.namespace,
                "metric_name": ref.name,
                "dimensions": ref.dimensions,
                "period": ref.period,
                "stat": ref.stat,
            },
        }
        for qid, ref in spec.inputs.items()
    ]
    queries.append(
        {"id": "result", "expression": spec.expression, "label": spec.key, "return_data": True}
    )
    args["metric_queries"] = queries
    return args
