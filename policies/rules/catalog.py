"""The rule catalogue: one definition per rule, read by the pack, the checker and the scanner."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from policies.exceptions import ConfigError
from policies.rules.model import ENFORCEMENT_LEVELS, Enforcement, Rule
from policies.rules.practices import PRACTICE_RULES

__all__ = ["RULES", "get_rule", "resolve_enforcement"]

_NO_LITERAL = "Synap keys never embedded in code or config"
_ROTATE = "Rotate keys every 90 days (30 for high-security)"

_ALL = (
    # -- secret detection in text ---------------------------------------------------------
    Rule(
        "synap-api-key",
        "Synap API key in text",
        "secret",
        "error",
        "mandatory",
        "Remove the key, revoke it (synap-rotation emergency-revoke) and read it from "
        "Secrets Manager at runtime.",
        _NO_LITERAL,
    ),
    Rule(
        "aws-access-key-id",
        "AWS access key id in text",
        "secret",
        "error",
        "mandatory",
        "Remove the key id, deactivate the access key in IAM and use a role instead.",
        "Cloud credentials never embedded in code or config",
    ),
    Rule(
        "aws-secret-access-key",
        "AWS secret access key in text",
        "secret",
        "error",
        "mandatory",
        "Remove the secret key, deactivate the access key in IAM and use a role instead.",
        "Cloud credentials never embedded in code or config",
    ),
    Rule(
        "generic-secret-assignment",
        "High-entropy value assigned to an api_key/token/secret/password name",
        "secret",
        "error",
        "mandatory",
        "Move the value to Secrets Manager and reference it (ARN, ${VAR} or secure: config).",
        _NO_LITERAL,
    ),
    Rule(
        "private-key",
        "Private key block",
        "secret",
        "error",
        "mandatory",
        "Remove the key, rotate it, and keep it in Secrets Manager or a KMS-backed store.",
        "Credentials never embedded in code or config",
    ),
    Rule(
        "webhook-signing-secret",
        "Webhook signing secret (64 hex next to a signing keyword)",
        "secret",
        "error",
        "mandatory",
        "Store the signing secret in Secrets Manager (synap/<instance>/webhook-secret) "
        "and rotate it.",
        "Webhook signing secrets kept in a secrets manager",
    ),
    Rule(
        "bearer-token",
        "Bearer token in a header, curl line or URL",
        "secret",
        "error",
        "mandatory",
        'Pass the token from an environment variable (-H "Authorization: Bearer $SYNAP_API_KEY").',
        _NO_LITERAL,
    ),
    Rule(
        "credential-in-url",
        "Credential in a URL query string or user-info",
        "secret",
        "error",
        "mandatory",
        "Take the credential out of the URL; send it in a header read from the environment.",
        _NO_LITERAL,
    ),
    # -- SDK settings in config or code -------------------------------------------------------
    Rule(
        "sdk-log-level",
        "Synap SDK log_level must be WARNING or ERROR in production",
        "config",
        "warning",
        "advisory",
        "Set log_level to WARNING (or ERROR); DEBUG and INFO can log request bodies.",
        "Log level WARNING or ERROR in production",
    ),
    Rule(
        "sdk-cache-backend",
        'Synap SDK cache_backend must be "sqlite"',
        "config",
        "warning",
        "advisory",
        'Set cache_backend to "sqlite" so the cache survives restarts.',
        "Persistent SQLite cache backend",
    ),
    Rule(
        "sdk-backoff-jitter",
        "Synap SDK backoff_jitter must be true",
        "config",
        "warning",
        "advisory",
        "Set backoff_jitter to true so retries from many clients do not synchronise.",
        "Retries with exponential backoff and jitter",
    ),
    Rule(
        "sdk-session-timeout",
        "Synap SDK session_timeout_minutes must be within 5..1440",
        "config",
        "warning",
        "advisory",
        "Set session_timeout_minutes between 5 and 1440.",
        "Session timeout between 5 minutes and 24 hours",
    ),
    Rule(
        "sdk-timeouts",
        "Synap SDK configuration without timeouts",
        "config",
        "warning",
        "advisory",
        "Set explicit timeouts (connect 5 s, read 30 s, write 10 s).",
        "Explicit connect/read/write timeouts",
    ),
    # -- resources of a stack ------------------------------------------------------------------
    Rule(
        "no-key-in-resource-inputs",
        "Key-shaped value in a resource input",
        "resource",
        "error",
        "mandatory",
        "Reference the secret (ARN / secretsmanager: / pulumi.Output secret) instead of the value.",
        _NO_LITERAL,
    ),
    Rule(
        "secret-customer-managed-kms",
        "Synap secret not encrypted with a customer-managed KMS key",
        "resource",
        "error",
        "mandatory",
        "Set kmsKeyId to a customer-managed key (not alias/aws/secretsmanager).",
        "Secrets encrypted with a customer-managed KMS key",
    ),
    Rule(
        "secret-rotation-enabled",
        "Synap secret without rotation within its tier's period",
        "resource",
        "error",
        "mandatory",
        "Add a SecretRotation with rotationRules.automaticallyAfterDays <= 90 "
        "(30 for high-security).",
        _ROTATE,
    ),
    Rule(
        "revoke-grace-period",
        "Revoke grace period shorter than 48 hours",
        "resource",
        "error",
        "mandatory",
        "Set SYNAP_GRACE_SECONDS to at least 172800 (48 h).",
        "Revoke the old key 48 h after its replacement",
    ),
    Rule(
        "monitoring-alarms",
        "Alarm of the monitoring contract missing or notifying no topic",
        "resource",
        "error",
        "mandatory",
        "Create every alarm of the monitoring contract with alarmActions on the stack's SNS topic.",
        "Error-rate, auth-failure, latency and rotation alarms",
    ),
    Rule(
        "rotation-iam-no-wildcards",
        "IAM grants secret or key actions on '*'",
        "resource",
        "error",
        "mandatory",
        "Scope secretsmanager:* and kms:* actions to the managed secrets' and key's ARNs.",
        "Least-privilege IAM for the rotation function",
    ),
)

#: Rule id -> rule. Read-only.
RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in (*_ALL, *PRACTICE_RULES.values())})


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; :class:`ConfigError` names the known ids otherwise."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise ConfigError(f"unknown rule id {rule_id!r} (see `synap-policy rules`)") from None


def resolve_enforcement(overrides: Mapping[str, str] | None = None) -> dict[str, Enforcement]:
    """Each rule's enforcement: its default, replaced by ``overrides`` (rule id -> level).

    >>> resolve_enforcement({"sdk-log-level": "mandatory"})["sdk-log-level"]
    'mandatory'
    """
    levels: dict[str, Enforcement] = {r.id: r.enforcement for r in _ALL}
    for rule_id, level in (overrides or {}).items():
        get_rule(rule_id)
        if level not in ENFORCEMENT_LEVELS:
            raise ConfigError(
                f"enforcement for {rule_id} must be one of {', '.join(ENFORCEMENT_LEVELS)}, "
                f"got {level!r}"
            )
        levels[rule_id] = level
    return levels
