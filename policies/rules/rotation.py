"""Rotation rules: managed secrets rotate within their tier's period; revokes wait 48 h.

``secret-rotation-enabled`` has a per-resource part (a SecretRotation rotates within
90 days) and a stack part (every managed secret has a rotation within its tier's period).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from policies.rules.model import Rule
from policies.rules.resource_model import (
    FUNCTION,
    ROTATION,
    Resource,
    Violation,
    is_managed_secret,
    is_unknown,
    tags,
)
from rotation.contract import (
    ENV,
    MAX_ROTATION_DAYS,
    MIN_GRACE_SECONDS,
    TIER_DAYS,
    TIER_TAG,
    rotation_days,
)

__all__ = [
    "REVOKE_GRACE_PERIOD",
    "ROTATION_RULES",
    "SECRET_ROTATION_ENABLED",
    "check_grace",
    "check_rotation",
    "check_rotation_rules",
]

_ByTarget = dict[str, list[tuple[int, Resource]]]


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
                SECRET_ROTATION_ENABLED.id,
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
                REVOKE_GRACE_PERIOD.id,
                f"function {r.name} sets {ENV.grace_seconds}={raw}; "
                f"the grace must be at least {MIN_GRACE_SECONDS} s (48 h)",
                r.urn,
            )
        ]
    return []


# -- the stack part of secret-rotation-enabled ----------------------------------------------


def _refers_to(rotation: Resource, secret: Resource) -> bool:
    target = rotation.get("secretId")
    names = {secret.id, secret.outputs.get("arn"), secret.outputs.get("id"), secret.get("name")}
    return (isinstance(target, str) and target in names) or secret.urn in rotation.dependencies


def _rotations_by_target(resources: Sequence[Resource]) -> _ByTarget:
    """SecretRotations (with their position) indexed by ``secretId`` and dependencies."""
    index: _ByTarget = {}
    for pos, r in enumerate(resources):
        if r.type != ROTATION:
            continue
        target = r.get("secretId")
        keys = {target} if isinstance(target, str) else set()
        for key in keys | set(r.dependencies):
            index.setdefault(key, []).append((pos, r))
    return index


def _rotations_of(secret: Resource, by_target: _ByTarget) -> list[Resource]:
    """The secret's SecretRotations, in stack order."""
    names = {secret.urn, secret.id, secret.outputs.get("arn"), secret.outputs.get("id")}
    names.add(secret.get("name"))
    candidates = dict(item for n in names if isinstance(n, str) for item in by_target.get(n, []))
    mine = [candidates[pos] for pos in sorted(candidates)]
    return [r for r in mine if _refers_to(r, secret)]


def _schedule_violation(
    secret: Resource, tier: str, limit: int, rotation: Resource
) -> Violation | None:
    if _days_unknown(rotation):
        return None
    days = _days(rotation)
    if days is None or days > limit:
        shown = "no schedule" if days is None else f"every {days:g} days"
        return Violation(
            SECRET_ROTATION_ENABLED.id,
            f"secret {secret.name} ({tier}) rotates {shown}; the limit is {limit}",
            rotation.urn,
        )
    return None


def _secret_violations(secret: Resource, by_target: _ByTarget) -> list[Violation]:
    tier = str(tags(secret)[TIER_TAG])
    try:
        limit = rotation_days(int(tier) if tier.isdigit() else tier)
    except ValueError:
        message = (
            f"secret {secret.name} has {TIER_TAG}={tier}; use one of "
            f"{', '.join(TIER_DAYS)} or a number of days 1..{MAX_ROTATION_DAYS}"
        )
        return [Violation(SECRET_ROTATION_ENABLED.id, message, secret.urn)]
    mine = _rotations_of(secret, by_target)
    if not mine:
        message = f"secret {secret.name} ({tier}) has no SecretRotation"
        return [Violation(SECRET_ROTATION_ENABLED.id, message, secret.urn)]
    found = [_schedule_violation(secret, tier, limit, rotation) for rotation in mine]
    return [v for v in found if v is not None]


def check_rotation(resources: Sequence[Resource]) -> list[Violation]:
    """Every managed secret rotates within its tier's period (``synap:tier``: name or days)."""
    by_target = _rotations_by_target(resources)
    return [
        v
        for secret in resources
        if is_managed_secret(secret)
        for v in _secret_violations(secret, by_target)
    ]


SECRET_ROTATION_ENABLED = Rule(
    "secret-rotation-enabled",
    "Synap secret without rotation within its tier's period",
    "resource",
    "error",
    "mandatory",
    "Add a SecretRotation with rotationRules.automaticallyAfterDays <= 90 (30 for high-security).",
    "Rotate keys every 90 days (30 for high-security)",
    resource_checks=(check_rotation_rules,),
    stack_checks=(check_rotation,),
)
REVOKE_GRACE_PERIOD = Rule(
    "revoke-grace-period",
    "Revoke grace period shorter than 48 hours",
    "resource",
    "error",
    "mandatory",
    "Set SYNAP_GRACE_SECONDS to at least 172800 (48 h).",
    "Revoke the old key 48 h after its replacement",
    resource_checks=(check_grace,),
)

#: The rotation family, in catalogue order.
ROTATION_RULES: tuple[Rule, ...] = (SECRET_ROTATION_ENABLED, REVOKE_GRACE_PERIOD)
