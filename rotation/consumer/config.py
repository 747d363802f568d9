"""Environment variables the consumer library reads (names only; none holds a secret).

Precedence everywhere: explicit argument, then environment variable, then default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from rotation.contract import DEFAULT_GRACE_SECONDS

__all__ = [
    "CONSUMER_ENV",
    "DEFAULT_KEY_TTL_SECONDS",
    "DEFAULT_TOLERANCE_SECONDS",
    "ConsumerEnv",
    "setting",
]


@dataclass(frozen=True)
class ConsumerEnv:
    api_key_secret_id: str = "SYNAP_API_KEY_SECRET_ID"  # noqa: S105 (a variable name)
    key_cache_ttl_seconds: str = "SYNAP_KEY_CACHE_TTL_SECONDS"
    webhook_secret_id: str = "SYNAP_WEBHOOK_SECRET_ID"  # noqa: S105 (a variable name)
    webhook_grace_seconds: str = "SYNAP_WEBHOOK_GRACE_SECONDS"
    api_url: str = "SYNAP_API_URL"
    metrics_instance: str = "SYNAP_METRICS_INSTANCE"


CONSUMER_ENV: Final = ConsumerEnv()
#: The production checklist's cache TTL for the key: 5 minutes.
DEFAULT_KEY_TTL_SECONDS: Final = 300.0
#: How far a webhook's payload timestamp may be from now.
DEFAULT_TOLERANCE_SECONDS: Final = 300.0
DEFAULT_WEBHOOK_GRACE_SECONDS: Final = float(DEFAULT_GRACE_SECONDS)


def setting(explicit: str | None, env_name: str, default: str | None = None) -> str | None:
    """Explicit argument, then the environment variable, then the default."""
    if explicit is not None:
        return explicit
    value = os.environ.get(env_name)
    return value if value else default


def number_setting(explicit: float | None, env_name: str, default: float) -> float:
    """Like :func:`setting` for a positive number; a bad env value is a ValueError naming it."""
    if explicit is not None:
        return float(explicit)
    raw = os.environ.get(env_name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{env_name} must be a number of seconds, got {raw[:40]!r}") from exc
    if value <= 0:
        raise ValueError(f"{env_name} must be positive, got {raw[:40]!r}")
    return value
