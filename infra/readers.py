"""Typed readers of raw stack-config values (pure): each failure is a `ConfigError`.

`where` is the full key of the value (``synap-keyops:instances[0].tier``), so the message
names exactly what to fix. Pulumi hands structured values over as JSON strings; `decode`
turns them back into lists and maps.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from infra.exceptions import ConfigError

__all__ = ["as_int", "as_list", "as_number", "as_str", "decode", "no_unknown_keys"]


def no_unknown_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{where}{key}", f"unknown key; allowed: {', '.join(allowed)}")


def decode(value: Any, where: str) -> Any:
    """Pulumi passes structured config values to the program as JSON strings."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(where, f"is not valid JSON ({exc.msg})") from None
    return value


def as_list(value: Any, where: str, min_items: int = 0) -> list[Any]:
    value = decode(value, where)
    if not isinstance(value, list) or len(value) < min_items:
        raise ConfigError(where, f"must be a list of at least {min_items} item(s)")
    return value


def as_str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(where, f"must be a non-empty string, got {value!r}")
    return value


def as_number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(where, f"must be a number within {low:g}..{high:g}, got {value!r}")
    return float(value)


def as_int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(where, f"must be an integer within {low}..{high}, got {value!r}")
    return value
