"""Decide every checklist item from the facts and the attestations. Pure: no I/O, no clock.

For an item decided by rules: any finding of its rules (in any input given) is ``fail``;
a missing input is ``manual`` ("not checked"); otherwise the item needs positive
evidence (the managed secret, the setting, the alarm, the runbook) to ``pass``. For an
item decided by a person: its newest attestation is ``attested`` or, once older than the
maximum age, ``stale``; none is ``manual``. An item with both passes its rules first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from policies.checklist.attestations import (
    DEFAULT_MAX_AGE_DAYS,
    AttestationFile,
    age_status,
    latest_by_item,
)
from policies.checklist.items import ITEMS, Input, Item
from policies.checklist.report import ChecklistReport, Evidence, ItemResult, Status
from policies.checklist.sources import RepoFacts, SeenSetting, StackFacts
from policies.rules.model import Finding
from policies.rules.monitoring import MONITORING_ALARMS
from policies.rules.resource_model import ALARM, ROTATION, Resource, is_managed_secret
from policies.rules.rotation import SECRET_ROTATION_ENABLED
from policies.rules.secrets import SYNAP_API_KEY
from rotation.contract import CLIENT_NAMESPACE

__all__ = ["EVALUATORS", "Facts", "classify_alarm_finding", "evaluate"]

_FLAG: dict[Input, str] = {"stack": "--stack-export", "repo": "--repo"}
_SHOWN = 3  # positive evidence lines per item; the rest are counted


@dataclass(frozen=True)
class Facts:
    stack: StackFacts | None = None
    repo: RepoFacts | None = None


Verdict = tuple[Status, list[Evidence]]
Evaluator = Callable[[Item, Facts], Verdict]


def _finding_evidence(f: Finding) -> Evidence:
    if f.resource:
        return Evidence("rule", f.message, f.rule_id, f.resource)
    where = f"{f.path}:{f.line}" if f.line else f.path
    preview = f" [{f.preview}]" if f.preview else ""
    return Evidence("rule", f"{f.message}{preview}", f.rule_id, where)


def _metric_names(r: Resource | None) -> str:
    """``namespace/metric`` of an alarm and of its metric-math parts, space separated."""
    if r is None:
        return ""
    names = [f"{r.get('namespace')}/{r.get('metricName')}"]
    for query in r.get("metricQueries") or []:
        metric = query.get("metric") if isinstance(query, Mapping) else None
        if isinstance(metric, Mapping):
            names.append(f"{metric.get('namespace')}/{metric.get('metricName')}")
    return " ".join(names)


def classify_alarm_finding(f: Finding, resources: Sequence[Resource]) -> str:
    """The monitoring item a ``monitoring-alarms`` finding belongs to.

    Latency and auth-failure alarms have their own items; rotation alarms (Lambda
    errors, overdue rotation, revoke failures) belong to the rotation schedule; the
    client's other error alarms (error rate, rate limited, zero results) to the
    error-rate item.
    """
    by_urn = {r.urn: r for r in resources}
    text = f"{f.message} {_metric_names(by_urn.get(f.resource))}"
    if "Latency" in text:
        return "latency-alarms"
    if "AuthFailures" in text:
        return "auth-failure-alarm"
    if any(k in text for k in ("rotation", "Rotation", "revoke", "Revoke", "AWS/Lambda")):
        return "key-rotation-scheduled"
    return "error-rate-alarm"


def _findings(item: Item, facts: Facts) -> list[Finding]:
    found: list[Finding] = []
    if facts.stack is not None:
        for f in facts.stack.findings:
            if f.rule_id not in item.rules:
                continue
            if (
                f.rule_id == MONITORING_ALARMS.id
                and classify_alarm_finding(f, facts.stack.resources) != item.id
            ):
                continue
            found.append(f)
    if facts.repo is not None:
        found += [f for f in facts.repo.scan.findings if f.rule_id in item.rules]
    return found


def _counted(lines: list[Evidence], total: int, what: str) -> list[Evidence]:
    shown = lines[:_SHOWN]
    if total > len(shown):
        shown.append(Evidence("note", f"and {total - len(shown)} more {what}"))
    return shown


def _managed(facts: Facts) -> list[Resource]:
    assert facts.stack is not None
    return [r for r in facts.stack.resources if is_managed_secret(r)]


_NO_SECRET = "no managed Synap secret (tag synap:tier) in the stack"  # noqa: S105 (a message)


# -- positive evidence per automated item ---------------------------------------------------


def _key_stored(item: Item, facts: Facts) -> Verdict:
    secrets = _managed(facts)
    if not secrets:
        return "fail", [Evidence("rule", _NO_SECRET, SECRET_ROTATION_ENABLED.id)]
    assert facts.repo is not None
    lines = [
        Evidence("rule", f"key held by secret {r.get('name') or r.name}", where=r.urn)
        for r in secrets
    ]
    out = _counted(lines, len(lines), "secret(s)")
    out.append(
        Evidence(
            "rule",
            f"no key in {facts.repo.scan.files_scanned} file(s) scanned or in resource inputs",
            SYNAP_API_KEY.id,
            facts.repo.root,
        )
    )
    return "pass", out


def _rotation(item: Item, facts: Facts) -> Verdict:
    if not _managed(facts):
        return "fail", [Evidence("rule", _NO_SECRET, SECRET_ROTATION_ENABLED.id)]
    assert facts.stack is not None
    lines = []
    for r in facts.stack.resources:
        if r.type == ROTATION:
            rules = r.get("rotationRules") or {}
            days = rules.get("automaticallyAfterDays") or rules.get("scheduleExpression")
            shown = f"every {days:g} days" if isinstance(days, float | int) else str(days)
            lines.append(Evidence("rule", f"rotates {shown}", SECRET_ROTATION_ENABLED.id, r.urn))
    return "pass", _counted(lines, len(lines), "rotation(s)")


def _sdk_setting(name: str) -> Evaluator:
    def evaluate(item: Item, facts: Facts) -> Verdict:
        seen = _settings(facts)
        if name == "timeouts":
            good = [s for s in seen if s.with_timeout]
            places = sorted({s.place for s in good})
            if not places:
                why = "no Synap SDK configuration found" if not seen else "no timeout set"
                return "fail", [Evidence("rule", why, item.rules[0])]
            lines = [
                Evidence("rule", "SDK settings with timeouts", item.rules[0], p) for p in places
            ]
            return "pass", _counted(lines, len(lines), "place(s)")
        good = [s for s in seen if s.name == name and s.ok]
        if name == "backoff_jitter":
            good = [s for s in good if s.value.lower() in ("true", "1", "yes", "on")]
        if not good:
            return "fail", [Evidence("rule", f"{name} is not set anywhere", item.rules[0])]
        lines = [Evidence("rule", f"{name} = {s.value}", item.rules[0], s.where) for s in good]
        return "pass", _counted(lines, len(good), "place(s)")

    return evaluate


def _settings(facts: Facts) -> list[SeenSetting]:
    seen: list[SeenSetting] = []
    if facts.repo is not None:
        seen += facts.repo.settings
    if facts.stack is not None:
        seen += facts.stack.settings
    return seen


def _practice(item: Item, facts: Facts) -> Verdict:
    assert facts.repo is not None
    result = facts.repo.practices[item.rules[0]]
    lines = [
        Evidence("rule", h.detail, result.rule_id, f"{h.path}:{h.line}" if h.line else h.path)
        for h in result.hits
    ]
    if not result.ok:
        return "fail", [Evidence("rule", result.violation, result.rule_id), *lines[:_SHOWN]]
    lines += [
        Evidence("rule", h.detail, result.rule_id, f"{h.path}:{h.line}") for h in result.extra
    ][: max(0, _SHOWN - len(lines))]
    return "pass", _counted(lines, len(result.hits) + len(result.extra), "place(s)")


def _alarms(metric: str, label: str) -> Evaluator:
    def evaluate(item: Item, facts: Facts) -> Verdict:
        secrets = _managed(facts)
        if not secrets:
            return "fail", [Evidence("rule", _NO_SECRET, MONITORING_ALARMS.id)]
        assert facts.stack is not None
        alarms = [
            r
            for r in facts.stack.resources
            if r.type == ALARM and f"{CLIENT_NAMESPACE}/{metric}" in _metric_names(r).split()
        ]
        lines = [Evidence("rule", f"{label} alarm", MONITORING_ALARMS.id, a.urn) for a in alarms]
        return "pass", _counted(lines, len(lines), "alarm(s)")

    return evaluate


def _iam(item: Item, facts: Facts) -> Verdict:
    assert facts.stack is not None
    policies = [r for r in facts.stack.resources if r.type.startswith("aws:iam/")]
    text = f"no wildcard secret or KMS grants in {len(policies)} IAM resource(s)"
    return "pass", [Evidence("rule", text, item.rules[0])]


EVALUATORS: dict[str, Evaluator] = {
    "api-key-in-secrets-manager": _key_stored,
    "webhook-signature-verified": _practice,
    "key-rotation-scheduled": _rotation,
    "sdk-log-level": _sdk_setting("log_level"),
    "sdk-cache-backend": _sdk_setting("cache_backend"),
    "sdk-session-timeout": _sdk_setting("session_timeout_minutes"),
    "sdk-timeouts": _sdk_setting("timeouts"),
    "sdk-retry-jitter": _sdk_setting("backoff_jitter"),
    "correlation-id-logged": _practice,
    "error-rate-alarm": _alarms("Errors", "error-rate"),
    "latency-alarms": _alarms("Latency", "P95 latency"),
    "auth-failure-alarm": _alarms("AuthFailures", "auth-failure"),
    "runbooks-present": _practice,
    "least-privilege-roles": _iam,
}


def _by_rules(item: Item, facts: Facts) -> Verdict:
    failing = _findings(item, facts)
    if failing:
        lines = [_finding_evidence(f) for f in failing]
        return "fail", _counted(lines, len(lines), "finding(s)")
    missing = [n for n in item.needs if getattr(facts, n) is None]
    if missing:
        flags = " and ".join(_FLAG[n] for n in missing)
        return "manual", [Evidence("note", f"not checked: give {flags}")]
    return EVALUATORS[item.id](item, facts)


def _by_attestation(
    item: Item, attestations: AttestationFile | None, today: date, max_age_days: int
) -> Verdict:
    newest = latest_by_item(attestations.attestations if attestations else ())
    att = newest.get(item.id)
    if att is None:
        return "manual", [Evidence("note", "needs a person's attestation")]
    status = age_status(att, today=today, max_age_days=max_age_days)
    age = (today - att.on).days
    text = f"{att.by} on {att.on.isoformat()} ({age} d ago): {att.note}"
    if status == "stale":
        text += f" (older than {max_age_days} days)"
    source = attestations.source if attestations else ""
    return status, [Evidence("attestation", text, where=f"{source}#attestations[{att.index}]")]


def evaluate(
    facts: Facts,
    attestations: AttestationFile | None = None,
    *,
    today: date,
    max_age_days: int | None = None,
) -> ChecklistReport:
    """The report for every item. ``max_age_days``: argument, then the file, then 90."""
    age = max_age_days or (attestations.max_age_days if attestations else None)
    age = age or DEFAULT_MAX_AGE_DAYS
    results = []
    for item in ITEMS.values():
        evidence: list[Evidence] = []
        status: Status = "manual"
        if item.automated:
            status, evidence = _by_rules(item, facts)
        if item.attest and status != "fail":
            rules_evidence = evidence  # the rules passed, or were not checked
            status, attested = _by_attestation(item, attestations, today, age)
            evidence = attested + rules_evidence
        results.append(ItemResult(item, status, tuple(evidence)))
    inputs = {}
    if facts.stack is not None:
        inputs["stack"] = facts.stack.path
    if facts.repo is not None:
        inputs["repo"] = facts.repo.root
    if attestations is not None:
        inputs["attestations"] = attestations.source
    return ChecklistReport(results, today, age, inputs)
