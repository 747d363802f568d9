"""The contract shared by rotation, infra and policies: one definition, many readers.

Pure data, no imports beyond the standard library, so `infra` (Pulumi), `policies`
(rules) and the Lambda can all read it. Change a name here and every reader follows:
the metric emitter and the CloudWatch alarms, the Lambda's environment and the
Pulumi program that sets it, the tiers and the policy that enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ALARM_DEFAULTS",
    "CLIENT_METRICS",
    "CLIENT_NAMESPACE",
    "DEFAULT_GRACE_SECONDS",
    "DEPLOYERS_SCHEMA",
    "DEPLOYER_KINDS",
    "ENV",
    "INSTANCE_DIMENSION",
    "INSTANCE_TAG",
    "KEY_LABEL_PREFIX",
    "KIND_TAG",
    "LATENCY_ALARMS",
    "LATENCY_DIMENSIONS",
    "MAX_ROTATION_DAYS",
    "MIN_GRACE_SECONDS",
    "ROTATION_METRICS",
    "ROTATION_NAMESPACE",
    "SECRET_DIMENSION",
    "SECRET_FIELDS",
    "SECRET_KINDS",
    "SWEEP_EVENT",
    "TIER_DAYS",
    "TIER_TAG",
    "EnvNames",
    "LatencyAlarm",
    "deploy_event",
    "revoke_event",
    "rotation_days",
]


@dataclass(frozen=True)
class EnvNames:
    """Environment variables of the rotation Lambda. None ever holds a secret value."""

    api_url: str = "SYNAP_API_URL"
    admin_secret_id: str = "SYNAP_ADMIN_SECRET_ID"  # noqa: S105 (a variable name)
    grace_seconds: str = "SYNAP_GRACE_SECONDS"
    deployers: str = "SYNAP_DEPLOYERS"
    revoke_target_arn: str = "SYNAP_REVOKE_TARGET_ARN"
    scheduler_role_arn: str = "SYNAP_SCHEDULER_ROLE_ARN"
    schedule_group: str = "SYNAP_SCHEDULE_GROUP"
    # Optional tuning of the rotation engine (added by the rotation engine, issue 4).
    quiet_seconds: str = "SYNAP_QUIET_SECONDS"
    usage_window_seconds: str = "SYNAP_USAGE_WINDOW_SECONDS"
    instance_id: str = "SYNAP_INSTANCE_ID"


ENV: Final = EnvNames()

#: 48 h between a key's replacement and its revoke (production checklist).
DEFAULT_GRACE_SECONDS: Final = 172_800
MIN_GRACE_SECONDS: Final = 172_800

#: Rotation period per tier (production checklist: 90 days, 30 for high-security).
TIER_DAYS: Final[dict[str, int]] = {"standard": 90, "high-security": 30}
MAX_ROTATION_DAYS: Final = 90


def rotation_days(tier: str | int) -> int:
    """Days between rotations for a tier name or an explicit number of days (1..90).

    >>> rotation_days("high-security"), rotation_days(14)
    (30, 14)
    """
    if isinstance(tier, bool):
        raise ValueError("tier must be 'standard', 'high-security' or a number of days")
    if isinstance(tier, int):
        if not 1 <= tier <= MAX_ROTATION_DAYS:
            raise ValueError(f"rotation days must be within 1..{MAX_ROTATION_DAYS}, got {tier}")
        return tier
    if tier not in TIER_DAYS:
        raise ValueError(f"tier must be one of {', '.join(TIER_DAYS)} or 1..90 days, got {tier!r}")
    return TIER_DAYS[tier]


#: Fields of the API-key secret's JSON value.
SECRET_FIELDS: Final = ("api_key", "key_id", "instance_id", "label", "created_at")
#: Labels of keys this tool creates start with this; the sweep revokes only those.
KEY_LABEL_PREFIX: Final = "keyops-"
#: Secret tags read by the rotation engine: which kind of secret (strategy) it holds, and
#: the Synap instance an empty secret's first key is made for (bootstrap).
KIND_TAG: Final = "synap:kind"
INSTANCE_TAG: Final = "synap:instance"
#: Secret tag naming the rotation tier (``standard`` / ``high-security``), set by infra,
#: read by status/audit and by the rotation policies.
TIER_TAG: Final = "synap:tier"
SECRET_KINDS: Final = ("api-key", "webhook-secret")

DEPLOYER_KINDS: Final = ("none", "ecs", "lambda", "http")

# -- monitoring contract ---------------------------------------------------------------

CLIENT_NAMESPACE: Final = "Synap/Client"
#: Metric name -> CloudWatch unit. Dimension "Instance" on all; "Operation", "Mode" on Latency.
CLIENT_METRICS: Final[dict[str, str]] = {
    "Requests": "Count",
    "Errors": "Count",
    "AuthFailures": "Count",
    "RateLimited": "Count",
    "ZeroResults": "Count",
    "Latency": "Milliseconds",
}
INSTANCE_DIMENSION: Final = "Instance"
LATENCY_DIMENSIONS: Final = ("Instance", "Operation", "Mode")

ROTATION_NAMESPACE: Final = "Synap/Rotation"
#: Dimension of every rotation metric; its value is the secret's *name* (not its ARN), which
#: is what the infra alarms filter on (DaysSinceLastRotation, RevokeFailed, ...).
SECRET_DIMENSION: Final = "SecretId"  # noqa: S105 (a dimension name)
#: Metrics the rotation engine emits (dimension "SecretId" / "Instance").
ROTATION_METRICS: Final[dict[str, str]] = {
    "RotationSucceeded": "Count",
    "RotationFailed": "Count",
    "RevokeSucceeded": "Count",
    "RevokeFailed": "Count",
    "RevokePostponed": "Count",
    "DaysSinceLastRotation": "Count",
}


@dataclass(frozen=True)
class LatencyAlarm:
    operation: str
    mode: str
    p95_ms: float


LATENCY_ALARMS: Final = (
    LatencyAlarm("memories.create", "fast", 300.0),
    LatencyAlarm("context.fetch", "fast", 500.0),
    LatencyAlarm("context.fetch", "accurate", 1500.0),
    LatencyAlarm("memories.batch_create", "default", 2000.0),
)

#: Default alarm thresholds (production checklist); stack config may override each.
ALARM_DEFAULTS: Final[dict[str, float]] = {
    "error_rate_percent": 1.0,  # 100 * Errors / Requests over 5 minutes
    "error_rate_period_seconds": 300,
    "auth_failures": 1,  # >= 1 in 1 minute
    "auth_failures_period_seconds": 60,
    "rate_limited": 10,
    "zero_results": 50,
    "rotation_overdue_grace_days": 1,  # period + 1 day
}

# -- deployers -------------------------------------------------------------------------
#
# SYNAP_DEPLOYERS is a JSON object: secret name (or ARN, or "*" for the default) -> a list
# of deployer configs. Identifiers only, never a secret value. Example:
#
#   {"synap/prod/api-key": [{"type": "ecs", "cluster": "prod", "services": ["api"],
#                            "timeout_seconds": 900}],
#    "*": [{"type": "none", "ttl_seconds": 300}]}

DEPLOYERS_SCHEMA: Final[dict[str, object]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": {
        "type": "array",
        "items": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": "none"},
                        "ttl_seconds": {"type": "integer", "minimum": 0, "maximum": 3600},
                    },
                    "required": ["type"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": "ecs"},
                        "cluster": {"type": "string", "minLength": 1},
                        "services": {
                            "type": "array",
                            "items": {"type": "string", "minLength": 1},
                            "minItems": 1,
                        },
                        "timeout_seconds": {"type": "integer", "minimum": 30, "maximum": 3600},
                    },
                    "required": ["type", "cluster", "services"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": "lambda"},
                        "functions": {
                            "type": "array",
                            "items": {"type": "string", "minLength": 1},
                            "minItems": 1,
                        },
                    },
                    "required": ["type", "functions"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": "http"},
                        "url": {"type": "string", "pattern": "^https?://"},
                        # the HMAC signing key is itself a secret: referenced by id, never inline
                        "signing_secret_id": {"type": "string", "minLength": 1},
                        "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 60},
                    },
                    "required": ["type", "url", "signing_secret_id"],
                    "additionalProperties": False,
                },
            ]
        },
    },
}


#: The Lambda's own events (beside the four Secrets Manager steps). Schedules and the
#: engine build them here, the handler reads them: one shape for every writer.
SWEEP_EVENT: Final[dict[str, str]] = {"action": "sweep"}


def revoke_event(secret_id: str, key_id: str) -> dict[str, str]:
    """The one-time schedule's payload that revokes ``key_id`` after its grace."""
    return {"action": "revoke", "SecretId": secret_id, "KeyId": key_id}


def deploy_event(secret_id: str, version_id: str) -> dict[str, str]:
    """The schedule's payload that runs deploy + verify of ``version_id`` asynchronously."""
    return {"action": "deploy", "SecretId": secret_id, "VersionId": version_id}
