"""Synap SDK settings from the production checklist, where they appear in config or code.

Line rules over text (``log_level: DEBUG``, ``SYNAP_CACHE_BACKEND=memory``,
``SynapClient(backoff_jitter=False)``) and one mapping rule for parsed config
(:func:`check_settings`), used on resource inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "SDK_PREFILTER",
    "SettingViolation",
    "check_setting",
    "check_settings",
    "find_settings",
    "has_timeout",
    "normalise_key",
]

_ALLOWED_LEVELS = frozenset({"WARNING", "ERROR"})
_KNOWN_LEVELS = frozenset(
    {"TRACE", "DEBUG", "INFO", "NOTSET", "WARN", "WARNING", "ERROR", "CRITICAL"}
)
_FALSE = frozenset({"false", "0", "no", "off"})
_TRUE = frozenset({"true", "1", "yes", "on"})
SESSION_MINUTES = (5, 1440)

#: RE2-compatible: every line a setting rule can match.
SDK_PREFILTER = r"(?i)(?:log_?level|cache_?backend|backoff_?jitter|session_?timeout_?minutes)"
_SETTING = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:synap_)?(?P<key>log_?level|cache_?backend|backoff_?jitter"
    r"|session_?timeout_?minutes)[\"']?\s*(?:=|:)\s*[\"']?(?P<value>[A-Za-z0-9_.-]+)"
)
_TIMEOUT = re.compile(r"(?i)(?<!session_)(?<!session)timeout")


@dataclass(frozen=True)
class SettingViolation:
    rule_id: str
    key: str
    value: str
    message: str
    column: int = 0


def normalise_key(key: str) -> str:
    """``SYNAP_LOG_LEVEL``, ``logLevel`` and ``log-level`` all become ``log_level``.

    >>> normalise_key("SYNAP_SESSION_TIMEOUT_MINUTES"), normalise_key("cacheBackend")
    ('session_timeout_minutes', 'cache_backend')
    """
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()
    return snake.removeprefix("synap_")


def check_setting(key: str, value: object) -> SettingViolation | None:
    """The violation for one setting, or None when it is fine or not a checklist setting."""
    name = normalise_key(key)
    text = str(value).strip().strip("\"'")
    if isinstance(value, bool):
        text = "true" if value else "false"
    if name == "log_level":
        level = text.upper()
        if level in _KNOWN_LEVELS and level not in _ALLOWED_LEVELS:
            return SettingViolation(
                "sdk-log-level", name, text, f"log_level is {text}; use WARNING or ERROR"
            )
    elif name == "cache_backend":
        if re.fullmatch(r"[A-Za-z_]+", text) and text.lower() != "sqlite":
            return SettingViolation(
                "sdk-cache-backend", name, text, f'cache_backend is {text}; use "sqlite"'
            )
    elif name == "backoff_jitter":
        if text.lower() in _FALSE:
            return SettingViolation(
                "sdk-backoff-jitter", name, text, "backoff_jitter is off; set it to true"
            )
    elif name == "session_timeout_minutes" and re.fullmatch(r"\d+(?:\.0)?", text):
        minutes = int(float(text))
        low, high = SESSION_MINUTES
        if not low <= minutes <= high:
            return SettingViolation(
                "sdk-session-timeout",
                name,
                text,
                f"session_timeout_minutes is {minutes}; keep it within {low}..{high}",
            )
    return None


def find_settings(line: str) -> Iterator[tuple[str, str, int]]:
    """(key, value, 0-based column of the value) for each SDK setting on a line of text."""
    for m in _SETTING.finditer(line):
        following = line[m.end() : m.end() + 1]
        if following in ("(", "."):
            continue  # a call or attribute: code, not a literal setting
        yield m.group("key"), m.group("value"), m.start("value")


def has_timeout(text: str) -> bool:
    """True when the text mentions a timeout other than the session timeout."""
    return _TIMEOUT.search(text) is not None


def check_settings(mapping: Mapping[str, object]) -> list[SettingViolation]:
    """Every checklist violation in one parsed config mapping (one level, not recursive).

    A mapping that sets any SDK setting must also set a timeout.
    """
    violations: list[SettingViolation] = []
    seen_sdk = False
    for key, value in mapping.items():
        name = normalise_key(str(key))
        if name in ("log_level", "cache_backend", "backoff_jitter", "session_timeout_minutes"):
            seen_sdk = True
            found = check_setting(name, value)
            if found:
                violations.append(found)
    if seen_sdk and not any(has_timeout(str(k)) for k in mapping):
        violations.append(
            SettingViolation("sdk-timeouts", "timeout", "", "SDK settings without a timeout")
        )
    return violations
