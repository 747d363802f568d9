"""Resource and stack rules over plain data: pulumi-aws type tokens, camelCase inputs.

Each ``check_*`` takes :class:`Resource` values (built from a stack export, a preview,
or CrossGuard's args) and returns :class:`Violation` values. No Pulumi import here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policies.rules.sdk import SDK_PREFILTER, check_settings
from policies.rules.text import default_engine
from rotation.contract import (
    CLIENT_NAMESPACE,
    ENV,
    LATENCY_ALARMS,
    MAX_ROTATION_DAYS,
    MIN_GRACE_SECONDS,
    ROTATION_NAMESPACE,
    TIER_DAYS,
    rotation_days,
)
from rotation.keys import redact

__all__ = [
    "RESOURCE_CHECKS",
    "STACK_CHECKS",
    "TIER_TAG",
    "UNKNOWN_SENTINELS",
    "Resource",
    "Violation",
    "check_embedded_keys",
    "check_grace",
    "check_iam",
    "check_kms",
    "check_monitoring",
    "check_rotation",
    "check_rotation_rules",
    "check_sdk_inputs",
    "is_managed_secret",
    "is_synap_secret",
    "is_unknown",
]

SECRET = "aws:secretsmanager/secret:Secret"  # noqa: S105 (a type token)
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
IAM_POLICIES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
ROLE = "aws:iam/role:Role"
#: The tag that puts a secret under rotation and names its tier.
TIER_TAG = "synap:tier"
INSTANCE_TAG = "synap:instance"
#: Pulumi's special-object key in state (``pulumi.runtime.rpc._special_sig_key``) and its
#: value for a secret: ``{sig: secret, "ciphertext": ...}`` is encrypted, never scanned.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (a marker)
#: Actions that only work on Resource "*" (AWS documents no resource type for them).
_STAR_ONLY = frozenset(
    {
        "secretsmanager:getrandompassword",
        "secretsmanager:listsecrets",
        "kms:listkeys",
        "kms:listaliases",
    }
)


#: Pulumi's sentinels for values a preview cannot know yet (computed at deploy time).
UNKNOWN_SENTINELS = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_unknown(value: Any) -> bool:
    """True for a value the preview does not know yet: rules give it the benefit of the doubt."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


@dataclass(frozen=True)
class Resource:
    type: str
    urn: str
    props: Mapping[str, Any]
    id: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def get(self, key: str) -> Any:
        value = self.props.get(key)
        return value if value is not None else self.outputs.get(key)


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str
    urn: str = ""
    #: Secret rule behind a no-key-in-resource-inputs violation, and hashes for baselines.
    value_sha: str = ""


def _tags(r: Resource) -> Mapping[str, Any]:
    tags = r.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def is_synap_secret(r: Resource) -> bool:
    """A Secrets Manager secret of this project: a ``synap:*`` tag or a ``synap/`` name."""
    if r.type != SECRET:
        return False
    name = r.get("name")
    return any(str(k).startswith("synap:") for k in _tags(r)) or (
        isinstance(name, str) and name.startswith("synap/")
    )


def is_managed_secret(r: Resource) -> bool:
    """A secret under rotation: it carries the ``synap:tier`` tag."""
    return r.type == SECRET and TIER_TAG in _tags(r)


# -- resource rules -------------------------------------------------------------------------


def _leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return  # encrypted in state
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def check_embedded_keys(r: Resource) -> list[Violation]:
    """No key-shaped value in any input: env vars, container definitions, SSM, user data, tags."""
    # One scan of all the resource's leaves as lines ("key: value"), not one per leaf: the
    # engine's cost is per call. line_paths maps each line (1-based) back to its input path.
    lines: list[str] = []
    line_paths: list[str] = []
    for path, value in _leaves(r.props, ""):
        text = f"{path.rsplit('.', 1)[-1]}: {value}"
        lines.append(text)
        line_paths.extend([path] * (text.count("\n") + 1))
    if not lines:
        return []
    found: list[Violation] = []
    for m in default_engine().scan("\n".join(lines).encode(), whole_file=False):
        if m.rule_id.startswith("sdk-"):
            continue
        path = line_paths[min(m.line, len(line_paths)) - 1]
        found.append(
            Violation(
                "no-key-in-resource-inputs",
                f"{r.type} input {path} holds a {m.rule_id} ({redact(m.value)})",
                r.urn,
            )
        )
    return found


def check_kms(r: Resource) -> list[Violation]:
    if not is_synap_secret(r):
        return []
    key = r.get("kmsKeyId")
    if is_unknown(key):
        return []
    if not isinstance(key, str) or not key or key.startswith("alias/aws/"):
        shown = key if isinstance(key, str) and key else "unset (aws/secretsmanager)"
        return [
            Violation(
                "secret-customer-managed-kms",
                f"secret {r.name} kmsKeyId is {shown}; use a customer-managed KMS key",
                r.urn,
            )
        ]
    return []


def _days_unknown(rotation: Resource) -> bool:
    rules = rotation.get("rotationRules")
    if is_unknown(rules):
        return True
    if not isinstance(rules, Mapping):
        return False
    return any(is_unknown(rules.get(k)) for k in ("automaticallyAfterDays", "scheduleExpression"))


def _days(rotation: Resource) -> float | None:
    rules = rotation.get("rotationRules")
    if not isinstance(rules, Mapping):
        return None
    days = rules.get("automaticallyAfterDays")
    if isinstance(days, int | float) and not isinstance(days, bool):
        return float(days)
    expr = rules.get("scheduleExpression")
    if isinstance(expr, str) and expr.startswith("rate(") and "day" in expr:
        try:
            return float(expr[5:].split()[0])
        except ValueError:
            return None
    return None


def check_rotation_rules(r: Resource) -> list[Violation]:
    """A SecretRotation rotates within 90 days (the tier check needs the stack)."""
    if r.type != ROTATION or _days_unknown(r):
        return []
    days = _days(r)
    if days is None or days > MAX_ROTATION_DAYS:
        shown = "no schedule" if days is None else f"{days:g} days"
        return [
            Violation(
                "secret-rotation-enabled",
                f"rotation {r.name} has {shown}; rotate at most every {MAX_ROTATION_DAYS} days",
                r.urn,
            )
        ]
    return []


def check_grace(r: Resource) -> list[Violation]:
    if r.type != FUNCTION:
        return []
    env = r.get("environment")
    variables = env.get("variables") if isinstance(env, Mapping) else None
    if not isinstance(variables, Mapping) or ENV.grace_seconds not in variables:
        return []  # the engine's default is 48 h
    raw = variables[ENV.grace_seconds]
    if is_unknown(raw):
        return []
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds < MIN_GRACE_SECONDS:
        return [
            Violation(
                "revoke-grace-period",
                f"function {r.name} sets {ENV.grace_seconds}={raw}; "
                f"the grace must be at least {MIN_GRACE_SECONDS} s (48 h)",
                r.urn,
            )
        ]
    return []


def _statements(document: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        if isinstance(st, Mapping):
            yield st


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _wildcard_problems(st: Mapping[str, Any]) -> list[str]:
    if st.get("Effect") != "Allow":
        return []
    actions = [a.lower() for a in _as_list(st.get("Action"))]
    resources = _as_list(st.get("Resource"))
    relevant = [a for a in actions if a == "*" or a.startswith(("secretsmanager:", "kms:"))]
    problems = [a for a in relevant if a == "*" or a.endswith(":*")]
    if "*" in resources:
        problems += [a for a in relevant if a not in problems and a not in _STAR_ONLY]
    return problems


def check_iam(r: Resource) -> list[Violation]:
    """No ``*`` action or ``*`` resource on secretsmanager/kms actions."""
    documents: list[Any] = []
    if r.type in IAM_POLICIES:
        documents.append(r.get("policy"))
    elif r.type == ROLE:
        for inline in r.get("inlinePolicies") or []:
            if isinstance(inline, Mapping):
                documents.append(inline.get("policy"))
    found = []
    for document in documents:
        for st in _statements(document):
            problems = _wildcard_problems(st)
            if problems:
                sid = st.get("Sid", "statement")
                found.append(
                    Violation(
                        "rotation-iam-no-wildcards",
                        f"{r.name} {sid} allows {', '.join(sorted(set(problems)))} "
                        f"on {', '.join(_as_list(st.get('Resource'))) or 'no resource'}",
                        r.urn,
                    )
                )
    return found


def check_sdk_inputs(r: Resource) -> list[Violation]:
    """SDK settings in resource inputs (e.g. a consumer's SYNAP_LOG_LEVEL env var)."""
    found = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            if any(_SETTING_KEY.search(str(k)) for k in value):
                settings = {str(k): item for k, item in value.items()}
            else:
                settings = {}
            for v in check_settings(settings):
                found.append(Violation(v.rule_id, f"{path or 'inputs'}: {v.message}", r.urn))
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(r.props, "")
    return found


#: A key that may name an SDK setting; most mappings have none and skip the full check.
_SETTING_KEY = re.compile(SDK_PREFILTER)

RESOURCE_CHECKS: tuple[Callable[[Resource], list[Violation]], ...] = (
    check_embedded_keys,
    check_kms,
    check_rotation_rules,
    check_grace,
    check_iam,
    check_sdk_inputs,
)

# -- stack rules ------------------------------------------------------------------------------


def _refers_to(rotation: Resource, secret: Resource) -> bool:
    target = rotation.get("secretId")
    names = {secret.id, secret.outputs.get("arn"), secret.outputs.get("id"), secret.get("name")}
    return (isinstance(target, str) and target in names) or secret.urn in rotation.dependencies


def _rotations_by_target(resources: Sequence[Resource]) -> dict[str, list[tuple[int, Resource]]]:
    """SecretRotations (with their position) indexed by ``secretId`` and dependencies."""
    index: dict[str, list[tuple[int, Resource]]] = {}
    for pos, r in enumerate(resources):
        if r.type != ROTATION:
            continue
        target = r.get("secretId")
        keys = {target} if isinstance(target, str) else set()
        for key in keys | set(r.dependencies):
            index.setdefault(key, []).append((pos, r))
    return index


def check_rotation(resources: Sequence[Resource]) -> list[Violation]:
    """Every managed secret rotates within its tier's period (``synap:tier``: name or days)."""
    by_target = _rotations_by_target(resources)
    found = []
    for secret in (r for r in resources if is_managed_secret(r)):
        tier = str(_tags(secret)[TIER_TAG])
        try:
            limit = rotation_days(int(tier) if tier.isdigit() else tier)
        except ValueError:
            found.append(
                Violation(
                    "secret-rotation-enabled",
                    f"secret {secret.name} has {TIER_TAG}={tier}; use one of "
                    f"{', '.join(TIER_DAYS)} or a number of days 1..{MAX_ROTATION_DAYS}",
                    secret.urn,
                )
            )
            continue
        names = {secret.urn, secret.id, secret.outputs.get("arn"), secret.outputs.get("id")}
        names.add(secret.get("name"))
        candidates = dict(
            item for n in names if isinstance(n, str) for item in by_target.get(n, [])
        )
        mine = [candidates[pos] for pos in sorted(candidates)]
        mine = [r for r in mine if _refers_to(r, secret)]
        if not mine:
            found.append(
                Violation(
                    "secret-rotation-enabled",
                    f"secret {secret.name} ({tier}) has no SecretRotation",
                    secret.urn,
                )
            )
            continue
        for rotation in mine:
            if _days_unknown(rotation):
                continue
            days = _days(rotation)
            if days is None or days > limit:
                shown = "no schedule" if days is None else f"every {days:g} days"
                found.append(
                    Violation(
                        "secret-rotation-enabled",
                        f"secret {secret.name} ({tier}) rotates {shown}; the limit is {limit}",
                        rotation.urn,
                    )
                )
    return found


def _metrics(alarm: Resource) -> list[tuple[str, str, Mapping[str, Any], str]]:
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


def _required(
    instances: Sequence[str],
) -> dict[str, Callable[[str, str, Mapping[str, Any], str], bool]]:
    need: dict[str, Callable[[str, str, Mapping[str, Any], str], bool]] = {
        "rotation Lambda Errors": lambda ns, m, d, s: ns == "AWS/Lambda" and m == "Errors",
        "rotation overdue": lambda ns, m, d, s: (
            ns == ROTATION_NAMESPACE and m == "DaysSinceLastRotation"
        ),
        "revoke failures": lambda ns, m, d, s: ns == ROTATION_NAMESPACE and m == "RevokeFailed",
    }
    for inst in instances:

        def client(
            metric: str, inst: str = inst
        ) -> Callable[[str, str, Mapping[str, Any], str], bool]:
            return lambda ns, m, d, s: (
                ns == CLIENT_NAMESPACE and m == metric and (not inst or d.get("Instance") == inst)
            )

        label = f"{inst} " if inst else ""
        need[f"{label}error rate (Errors/Requests)"] = client("Errors")
        for metric in ("AuthFailures", "RateLimited", "ZeroResults"):
            need[f"{label}{metric}"] = client(metric)
        for la in LATENCY_ALARMS:

            def latency(
                ns: str, m: str, d: Mapping[str, Any], s: str, la: Any = la, inst: str = inst
            ) -> bool:
                return (
                    ns == CLIENT_NAMESPACE
                    and m == "Latency"
                    and d.get("Operation") == la.operation
                    and d.get("Mode") == la.mode
                    and s.lower() == "p95"
                    and (not inst or d.get("Instance") == inst)
                )

            need[f"{label}p95 Latency {la.operation} {la.mode}"] = latency
    return need


def check_monitoring(resources: Sequence[Resource]) -> list[Violation]:
    """The monitoring contract's alarms exist (per instance) and every one notifies a topic."""
    managed = [r for r in resources if is_managed_secret(r)]
    if not managed:
        return []
    instances = sorted({str(_tags(r).get(INSTANCE_TAG, "")) for r in managed})
    alarms = [r for r in resources if r.type == ALARM]
    found = []
    stack_urn = next((r.urn for r in resources if r.type == "pulumi:pulumi:Stack"), "")
    for label, matches in _required(instances).items():
        hits = [a for a in alarms if any(matches(*m) for m in _metrics(a))]
        if not hits:
            found.append(Violation("monitoring-alarms", f"no alarm for {label}", stack_urn))
    for alarm in alarms:
        ours = any(
            ns in (CLIENT_NAMESPACE, ROTATION_NAMESPACE, "AWS/Lambda") for ns, *_ in _metrics(alarm)
        )
        actions = [a for a in _as_list(alarm.get("alarmActions")) if a]
        if ours and not actions:
            found.append(
                Violation(
                    "monitoring-alarms", f"alarm {alarm.name} notifies no SNS topic", alarm.urn
                )
            )
    return found


STACK_CHECKS: tuple[Callable[[Sequence[Resource]], list[Violation]], ...] = (
    check_rotation,
    check_monitoring,
)
