"""Configuration of the rotation engine from the environment (names in ``contract.ENV``).

Precedence: explicit argument, then environment variable, then default. No variable
ever holds a secret value: the admin key is read from the secret ``SYNAP_ADMIN_SECRET_ID``
names, deploy hooks' signing keys from the secrets their config names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rotation.contract import DEFAULT_GRACE_SECONDS, DEPLOYERS_SCHEMA, ENV
from rotation.exceptions import ConfigError

__all__ = ["DEFAULT_QUIET_SECONDS", "Config", "deployers_for", "parse_deployers"]

#: Still-in-use guard: a consumer use this recent postpones a revoke (1 h).
DEFAULT_QUIET_SECONDS = 3600
DEFAULT_SCHEDULE_GROUP = "default"


def parse_deployers(raw: str | None) -> dict[str, list[dict[str, Any]]]:
    """Parse and validate ``SYNAP_DEPLOYERS`` against ``DEPLOYERS_SCHEMA``."""
    if raw is None or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{ENV.deployers} is not valid JSON: {exc.msg}") from exc
    import jsonschema

    try:
        jsonschema.validate(data, DEPLOYERS_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise ConfigError(f"{ENV.deployers} at {where}: {exc.message[:200]}") from exc
    return data  # type: ignore[no-any-return]


def deployers_for(config: Mapping[str, list[dict[str, Any]]], *names: str) -> list[dict[str, Any]]:
    """The deployer list for a secret (by any of its names or ARN), else the ``"*"`` default."""
    for name in names:
        if name in config:
            return list(config[name])
    return list(config.get("*", []))


def _number(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number of seconds, got {raw[:40]!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Config:
    """Everything the engine reads from its environment."""

    api_url: str
    admin_secret_id: str
    grace_seconds: int = DEFAULT_GRACE_SECONDS
    deployers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    revoke_target_arn: str | None = None
    scheduler_role_arn: str | None = None
    schedule_group: str = DEFAULT_SCHEDULE_GROUP
    quiet_seconds: int = DEFAULT_QUIET_SECONDS
    #: 0 = only check that Synap accepts the new key; > 0 also waits this long for a
    #: consumer to use it (``last_used_at`` moves) and rolls back if none does.
    usage_window_seconds: int = 0
    instance_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        env = os.environ if env is None else env
        api_url = overrides.pop("api_url", None) or env.get(ENV.api_url)
        admin = overrides.pop("admin_secret_id", None) or env.get(ENV.admin_secret_id)
        if not api_url:
            raise ConfigError(f"{ENV.api_url} is not set (the Synap API base URL)")
        if not admin:
            raise ConfigError(f"{ENV.admin_secret_id} is not set (the admin secret's id)")
        values: dict[str, Any] = {
            "api_url": api_url,
            "admin_secret_id": admin,
            "grace_seconds": _number(env, ENV.grace_seconds, DEFAULT_GRACE_SECONDS),
            "deployers": parse_deployers(env.get(ENV.deployers)),
            "revoke_target_arn": env.get(ENV.revoke_target_arn) or None,
            "scheduler_role_arn": env.get(ENV.scheduler_role_arn) or None,
            "schedule_group": env.get(ENV.schedule_group) or DEFAULT_SCHEDULE_GROUP,
            "quiet_seconds": _number(env, ENV.quiet_seconds, DEFAULT_QUIET_SECONDS),
            "usage_window_seconds": _number(env, ENV.usage_window_seconds, 0),
            "instance_id": env.get(ENV.instance_id) or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
