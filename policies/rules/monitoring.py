"""The monitoring rule: the monitoring contract's alarms exist and each notifies a topic.

The contract (:mod:`rotation.contract`) names the metrics: the rotation Lambda's errors,
overdue rotations and revoke failures once per stack, and the client's error rate,
auth failures, rate limiting, empty results and p95 latencies per Synap instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from policies.rules.model import Rule
from policies.rules.resource_model import (
    ALARM,
    Resource,
    Violation,
    as_list,
    is_managed_secret,
    tags,
)
from rotation.contract import (
    CLIENT_NAMESPACE,
    INSTANCE_TAG,
    LATENCY_ALARMS,
    ROTATION_NAMESPACE,
    LatencyAlarm,
)

__all__ = ["MONITORING_ALARMS", "check_monitoring"]

Metric = tuple[str, str, Mapping[str, Any], str]
#: (namespace, metric, dimensions, statistic) -> does the alarm watch the required metric?
Matcher = Callable[[str, str, Mapping[str, Any], str], bool]

#: Alarms on the rotation itself: once per stack.
_ROTATION_ALARMS: Mapping[str, Matcher] = {
    "rotation Lambda Errors": lambda ns, m, d, s: ns == "AWS/Lambda" and m == "Errors",
    "rotation overdue": lambda ns, m, d, s: (
        ns == ROTATION_NAMESPACE and m == "DaysSinceLastRotation"
    ),
    "revoke failures": lambda ns, m, d, s: ns == ROTATION_NAMESPACE and m == "RevokeFailed",
}
#: Client metrics with one alarm each per instance (besides the error rate and latencies).
_CLIENT_ALARMS = ("AuthFailures", "RateLimited", "ZeroResults")


def _metrics(alarm: Resource) -> list[Metric]:
    """(namespace, metric, dimensions, statistic) of an alarm, including metric math parts."""
    out = []
    if alarm.get("metricName"):
        stat = alarm.get("extendedStatistic") or alarm.get("statistic") or ""
        dims = alarm.get("dimensions") or {}
        out.append((str(alarm.get("namespace")), str(alarm.get("metricName")), dims, str(stat)))
    for query in alarm.get("metricQueries") or []:
        metric = query.get("metric") if isinstance(query, Mapping) else None
        if isinstance(metric, Mapping):
            out.append(
                (
                    str(metric.get("namespace")),
                    str(metric.get("metricName")),
                    metric.get("dimensions") or {},
                    str(metric.get("stat") or ""),
                )
            )
    return out


def _client(metric: str, inst: str) -> Matcher:
    def matches(ns: str, m: str, d: Mapping[str, Any], s: str) -> bool:
        return ns == CLIENT_NAMESPACE and m == metric and (not inst or d.get("Instance") == inst)

    return matches


def _latency(la: LatencyAlarm, inst: str) -> Matcher:
    def matches(ns: str, m: str, d: Mapping[str, Any], s: str) -> bool:
        return (
            ns == CLIENT_NAMESPACE
            and m == "Latency"
            and d.get("Operation") == la.operation
            and d.get("Mode") == la.mode
            and s.lower() == "p95"
            and (not inst or d.get("Instance") == inst)
        )

    return matches


def _instance_alarms(inst: str) -> dict[str, Matcher]:
    """Label -> matcher of the client alarms one instance needs ("" for untagged secrets)."""
    label = f"{inst} " if inst else ""
    need = {f"{label}error rate (Errors/Requests)": _client("Errors", inst)}
    for metric in _CLIENT_ALARMS:
        need[f"{label}{metric}"] = _client(metric, inst)
    for la in LATENCY_ALARMS:
        need[f"{label}p95 Latency {la.operation} {la.mode}"] = _latency(la, inst)
    return need


def _required(instances: Sequence[str]) -> dict[str, Matcher]:
    """Label -> matcher of every alarm the stack needs, in report order."""
    need = dict(_ROTATION_ALARMS)
    for inst in instances:
        need.update(_instance_alarms(inst))
    return need


def _missing(instances: Sequence[str], alarms: list[Resource], urn: str) -> list[Violation]:
    found = []
    for label, matches in _required(instances).items():
        if not any(matches(*m) for a in alarms for m in _metrics(a)):
            found.append(Violation(MONITORING_ALARMS.id, f"no alarm for {label}", urn))
    return found


def _silent(alarms: list[Resource]) -> list[Violation]:
    """Alarms on the contract's metrics that notify no topic."""
    found = []
    for alarm in alarms:
        ours = any(
            ns in (CLIENT_NAMESPACE, ROTATION_NAMESPACE, "AWS/Lambda") for ns, *_ in _metrics(alarm)
        )
        actions = [a for a in as_list(alarm.get("alarmActions")) if a]
        if ours and not actions:
            message = f"alarm {alarm.name} notifies no SNS topic"
            found.append(Violation(MONITORING_ALARMS.id, message, alarm.urn))
    return found


def check_monitoring(resources: Sequence[Resource]) -> list[Violation]:
    """The monitoring contract's alarms exist (per instance) and every one notifies a topic."""
    managed = [r for r in resources if is_managed_secret(r)]
    if not managed:
        return []
    instances = sorted({str(tags(r).get(INSTANCE_TAG, "")) for r in managed})
    alarms = [r for r in resources if r.type == ALARM]
    stack_urn = next((r.urn for r in resources if r.type == "pulumi:pulumi:Stack"), "")
    return _missing(instances, alarms, stack_urn) + _silent(alarms)


MONITORING_ALARMS = Rule(
    "monitoring-alarms",
    "Alarm of the monitoring contract missing or notifying no topic",
    "resource",
    "error",
    "mandatory",
    "Create every alarm of the monitoring contract with alarmActions on the stack's SNS topic.",
    "Error-rate, auth-failure, latency and rotation alarms",
    stack_checks=(check_monitoring,),
)
