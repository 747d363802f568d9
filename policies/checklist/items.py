"""The production checklist's Quick Summary as data: one definition per item.

Each item names its section, its text, the rule ids of the engine that decide it
(:mod:`policies.rules.catalog`, named by the rules' own constants), the inputs those
rules need (a stack export, a repository) and whether a person's attestation decides
it. Ids are kebab-case and stable: attestation files and CI gates refer to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from policies.rules.catalog import RULES
from policies.rules.iam import ROTATION_IAM_NO_WILDCARDS
from policies.rules.monitoring import MONITORING_ALARMS
from policies.rules.practices import CORRELATION_ID_LOGGED, RUNBOOKS_PRESENT, WEBHOOK_VERIFICATION
from policies.rules.rotation import REVOKE_GRACE_PERIOD, SECRET_ROTATION_ENABLED
from policies.rules.sdk import (
    SDK_BACKOFF_JITTER,
    SDK_CACHE_BACKEND,
    SDK_LOG_LEVEL,
    SDK_SESSION_TIMEOUT,
    SDK_TIMEOUTS,
)
from policies.rules.secrets import SYNAP_API_KEY

__all__ = [
    "ITEMS",
    "SECTIONS",
    "Input",
    "Item",
    "Section",
    "attestable_ids",
    "no_literal_rules",
]

Section = Literal["security", "sdk", "memory", "errors", "monitoring", "performance", "operations"]
Input = Literal["stack", "repo"]

#: Section id -> heading, in the checklist's order.
SECTIONS: Mapping[Section, str] = MappingProxyType(
    {
        "security": "Security",
        "sdk": "SDK configuration",
        "memory": "Memory",
        "errors": "Errors",
        "monitoring": "Monitoring",
        "performance": "Performance",
        "operations": "Operations",
    }
)


def no_literal_rules() -> tuple[str, ...]:
    """The engine's rules behind "keys never embedded in code or config"."""
    group = SYNAP_API_KEY.checklist
    return tuple(r.id for r in RULES.values() if r.checklist == group)


@dataclass(frozen=True)
class Item:
    id: str
    section: Section
    text: str
    #: Rule ids (engine catalogue or practices) whose findings fail the item.
    rules: tuple[str, ...] = ()
    #: Inputs the rules need; without all of them the item is ``manual``.
    needs: tuple[Input, ...] = ()
    #: A person's attestation decides the item (after its rules, if any, pass).
    attest: bool = False
    #: Why it is decided this way (shown by ``--format json`` and in the docs).
    why: str = ""

    @property
    def automated(self) -> bool:
        return bool(self.rules)

    @property
    def decided_by(self) -> str:
        if self.rules and self.attest:
            return "rules+attestation"
        return "rules" if self.rules else "attestation"


_PERSON = "a person must judge it; nothing in a stack export or a repository shows it"

_ALL = (
    # -- security -------------------------------------------------------------------------
    Item(
        "api-key-in-secrets-manager",
        "security",
        "API key stored in a secrets manager, not in code, .env files or images",
        no_literal_rules(),
        ("stack", "repo"),
        why="the stack shows the managed secret and key-free resource inputs; the "
        "scanner shows no key in the repository",
    ),
    Item(
        "webhook-signature-verified",
        "security",
        "Webhook signatures verified (HMAC-SHA256 sha256=<hex>, constant-time) and tested",
        (WEBHOOK_VERIFICATION.id,),
        ("repo",),
        why="the verifying code and its test are in the repository",
    ),
    Item(
        "key-rotation-scheduled",
        "security",
        "API key rotated on schedule (90 days, 30 high-security) and revoked 48 h later",
        # monitoring-alarms: only its rotation alarms (overdue, Lambda errors, revoke failures)
        (SECRET_ROTATION_ENABLED.id, REVOKE_GRACE_PERIOD.id, MONITORING_ALARMS.id),
        ("stack",),
        why="the SecretRotation rules, the revoke grace and the rotation alarms are resources",
    ),
    # -- SDK configuration ------------------------------------------------------------------
    Item(
        "sdk-log-level",
        "sdk",
        "SDK log_level WARNING or ERROR in production",
        (SDK_LOG_LEVEL.id,),
        ("repo",),
        why="settings are in config files, code or consumer env vars",
    ),
    Item(
        "sdk-cache-backend",
        "sdk",
        'SDK cache_backend "sqlite"',
        (SDK_CACHE_BACKEND.id,),
        ("repo",),
        why="settings are in config files, code or consumer env vars",
    ),
    Item(
        "sdk-session-timeout",
        "sdk",
        "SDK session_timeout_minutes within 5..1440",
        (SDK_SESSION_TIMEOUT.id,),
        ("repo",),
        why="settings are in config files, code or consumer env vars",
    ),
    Item(
        "sdk-timeouts",
        "sdk",
        "SDK connect/read/write timeouts configured",
        (SDK_TIMEOUTS.id,),
        ("repo",),
        why="settings are in config files, code or consumer env vars",
    ),
    Item(
        "sdk-retry-jitter",
        "sdk",
        "Retries with exponential backoff and jitter",
        (SDK_BACKOFF_JITTER.id,),
        ("repo",),
        why="settings are in config files, code or consumer env vars",
    ),
    Item(
        "sdk-credentials-source",
        "sdk",
        "credentials_source matches the deployment model",
        attest=True,
        why="which source is right depends on how the team deploys; " + _PERSON,
    ),
    # -- memory -----------------------------------------------------------------------------
    Item(
        "use-case-reviewed",
        "memory",
        "Use-case markdown reviewed and uploaded for the instance (MACA)",
        attest=True,
        why="the use-case file lives in Synap's dashboard; " + _PERSON,
    ),
    Item(
        "retrieval-quality-checked",
        "memory",
        "Retrieval quality checked on about 10 real queries",
        attest=True,
        why="judging answers to real queries needs a person",
    ),
    Item(
        "instance-active",
        "memory",
        "Instance status active",
        attest=True,
        why="needs a live call with production credentials, which an offline CI check "
        "must not hold",
    ),
    # -- errors -----------------------------------------------------------------------------
    Item(
        "transient-errors-handled",
        "errors",
        "Transient vs permanent errors handled; degrade without memory on transient ones",
        attest=True,
        why="static text cannot show that the fallback path still answers the user; " + _PERSON,
    ),
    Item(
        "correlation-id-logged",
        "errors",
        "Correlation id logged on every error (for support tickets)",
        (CORRELATION_ID_LOGGED.id,),
        ("repo",),
        why="the error-path log calls are in the repository",
    ),
    # -- monitoring -------------------------------------------------------------------------
    Item(
        "error-rate-alarm",
        "monitoring",
        "Error-rate alarm (> 1 % over 5 minutes) notifying a topic",
        (MONITORING_ALARMS.id,),
        ("stack",),
        why="alarms are resources of the stack",
    ),
    Item(
        "latency-alarms",
        "monitoring",
        "P95 latency alarms per operation and mode",
        (MONITORING_ALARMS.id,),
        ("stack",),
        why="alarms are resources of the stack",
    ),
    Item(
        "auth-failure-alarm",
        "monitoring",
        "Authentication-failure alarm",
        (MONITORING_ALARMS.id,),
        ("stack",),
        why="alarms are resources of the stack",
    ),
    Item(
        "dashboard-reviewed-weekly",
        "monitoring",
        "Dashboard reviewed weekly",
        attest=True,
        why="a habit, not a resource; " + _PERSON,
    ),
    # -- performance ------------------------------------------------------------------------
    Item(
        "batch-ingestion",
        "performance",
        "Batch ingestion used for bulk writes",
        attest=True,
        why="a call to batch_create can be found, but not whether every bulk write uses it",
    ),
    Item(
        "context-fetch-mode",
        "performance",
        "Context fetch mode chosen per use (fast vs accurate)",
        attest=True,
        why="the right mode depends on each use's latency budget; " + _PERSON,
    ),
    # -- operations -------------------------------------------------------------------------
    Item(
        "runbooks-present",
        "operations",
        "Runbooks for key rotation and rollback present",
        (RUNBOOKS_PRESENT.id,),
        ("repo",),
        why="the runbooks/ pages are in the repository",
    ),
    Item(
        "least-privilege-roles",
        "operations",
        "Roles reviewed for least privilege",
        (ROTATION_IAM_NO_WILDCARDS.id,),
        ("stack",),
        attest=True,
        why="the rule catches wildcards on secrets and keys; whether every grant is "
        "needed takes a person's review",
    ),
    Item(
        "support-channel-known",
        "operations",
        "Support channel known (tickets quote the correlation id)",
        attest=True,
        why=_PERSON,
    ),
)

#: Item id -> item, in the checklist's order. Read-only.
ITEMS: Mapping[str, Item] = MappingProxyType({i.id: i for i in _ALL})


def attestable_ids() -> tuple[str, ...]:
    """Ids an attestations file may name, in checklist order."""
    return tuple(i.id for i in ITEMS.values() if i.attest)
