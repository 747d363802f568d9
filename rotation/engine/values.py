"""The JSON values the engine reads and writes (docs/architecture.md, "Secret values").

API-key secret: ``{"api_key", "key_id", "instance_id", "label", "created_at"}``.
Admin secret: ``{"admin_key"}``. Parsing never echoes a value into an error message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rotation.contract import SECRET_FIELDS
from rotation.exceptions import SecretValueError
from rotation.keys import is_key, redact

__all__ = ["KeyValue", "parse_admin_key", "parse_key_value"]


@dataclass(frozen=True)
class KeyValue:
    """One stored Synap API key. ``api_key`` never shows in ``repr``."""

    key_id: str
    instance_id: str
    label: str
    created_at: str
    api_key: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"KeyValue(key_id={self.key_id!r}, instance_id={self.instance_id!r}, "
            f"label={self.label!r}, api_key='{redact(self.api_key)}')"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "api_key": self.api_key,
                "key_id": self.key_id,
                "instance_id": self.instance_id,
                "label": self.label,
                "created_at": self.created_at,
            },
            sort_keys=True,
        )


def _load_object(raw: str | None, what: str) -> dict[str, Any]:
    if raw is None or not raw.strip():
        raise SecretValueError(f"{what} is empty")
    try:
        data = json.loads(raw)
    except ValueError:
        # The decoder's error keeps the document (.doc): do not chain it.
        raise SecretValueError(f"{what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise SecretValueError(f"{what} must be a JSON object")
    return data


def parse_key_value(raw: str | None, *, where: str = "secret value") -> KeyValue:
    """Parse and validate an API-key secret value, or raise SecretValueError."""
    data = _load_object(raw, where)
    missing = [f for f in SECRET_FIELDS if not isinstance(data.get(f), str) or not data.get(f)]
    if missing:
        raise SecretValueError(f"{where} lacks string field(s): {', '.join(missing)}")
    if not is_key(data["api_key"]):
        raise SecretValueError(f"{where}: api_key is not a Synap key (synap_ + 58 base62)")
    return KeyValue(
        key_id=data["key_id"],
        instance_id=data["instance_id"],
        label=data["label"],
        created_at=data["created_at"],
        api_key=data["api_key"],
    )


def parse_admin_key(raw: str | None) -> str:
    """The admin key from the admin secret's JSON ``{"admin_key"}``."""
    data = _load_object(raw, "admin secret")
    key = data.get("admin_key")
    if not isinstance(key, str) or not key:
        raise SecretValueError('admin secret must be JSON {"admin_key": "..."}')
    return key
