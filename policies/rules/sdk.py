"""SDK-setting rules: the Synap SDK settings of the production checklist, in config or code.

Line rules over text (``log_level: DEBUG``, ``SYNAP_CACHE_BACKEND=memory``,
``SynapClient(backoff_jitter=False)``), one mapping rule for parsed config
(:func:`check_settings`) and that mapping rule over resource inputs
(:func:`check_sdk_inputs`). Each setting rule carries the judge of its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from policies.rules.model import Rule, Setting
from policies.rules.resource_model import Resource, Violation

__all__ = [
    "SDK_BACKOFF_JITTER",
    "SDK_CACHE_BACKEND",
    "SDK_LOG_LEVEL",
    "SDK_PREFILTER",
    "SDK_RULES",
    "SDK_SESSION_TIMEOUT",
    "SDK_TIMEOUTS",
    "SETTING_RULES",
    "SettingViolation",
    "check_sdk_inputs",
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
SESSION_MINUTES = (5, 1440)

#: RE2-compatible: every line a setting rule can match.
SDK_PREFILTER = r"(?i)(?:log_?level|cache_?backend|backoff_?jitter|session_?timeout_?minutes)"
_SETTING = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:synap_)?(?P<key>log_?level|cache_?backend|backoff_?jitter"
    r"|session_?timeout_?minutes)[\"']?\s*(?:=|:)\s*[\"']?(?P<value>[A-Za-z0-9_.-]+)"
)
_TIMEOUT = re.compile(r"(?i)(?<!session_)(?<!session)timeout")
#: A key that may name an SDK setting; most mappings have none and skip the full check.
_SETTING_KEY = re.compile(SDK_PREFILTER)


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


# -- judges: a setting's value (as text) -> the violation message, "" when fine ------------


def _log_level(text: str) -> str:
    level = text.upper()
    if level in _KNOWN_LEVELS and level not in _ALLOWED_LEVELS:
        return f"log_level is {text}; use WARNING or ERROR"
    return ""


def _cache_backend(text: str) -> str:
    if re.fullmatch(r"[A-Za-z_]+", text) and text.lower() != "sqlite":
        return f'cache_backend is {text}; use "sqlite"'
    return ""


def _backoff_jitter(text: str) -> str:
    return "backoff_jitter is off; set it to true" if text.lower() in _FALSE else ""


def _session_timeout(text: str) -> str:
    if not re.fullmatch(r"\d+(?:\.0)?", text):
        return ""
    minutes = int(float(text))
    low, high = SESSION_MINUTES
    if low <= minutes <= high:
        return ""
    return f"session_timeout_minutes is {minutes}; keep it within {low}..{high}"


# -- checks -----------------------------------------------------------------------------------


def check_setting(key: str, value: object) -> SettingViolation | None:
    """The violation for one setting, or None when it is fine or not a checklist setting."""
    name = normalise_key(key)
    text = str(value).strip().strip("\"'")
    if isinstance(value, bool):
        text = "true" if value else "false"
    rule = SETTING_RULES.get(name)
    if rule is None or rule.setting is None:
        return None
    message = rule.setting.judge(text)
    return SettingViolation(rule.id, name, text, message) if message else None


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
        if name in SETTING_RULES:
            seen_sdk = True
            found = check_setting(name, value)
            if found:
                violations.append(found)
    if seen_sdk and not any(has_timeout(str(k)) for k in mapping):
        violations.append(
            SettingViolation(SDK_TIMEOUTS.id, "timeout", "", "SDK settings without a timeout")
        )
    return violations


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


# -- the rules --------------------------------------------------------------------------------

SDK_LOG_LEVEL = Rule(
    "sdk-log-level",
    "Synap SDK log_level must be WARNING or ERROR in production",
    "config",
    "warning",
    "advisory",
    "Set log_level to WARNING (or ERROR); DEBUG and INFO can log request bodies.",
    "Log level WARNING or ERROR in production",
    setting=Setting("log_level", _log_level),
    resource_checks=(check_sdk_inputs,),
)
SDK_CACHE_BACKEND = Rule(
    "sdk-cache-backend",
    'Synap SDK cache_backend must be "sqlite"',
    "config",
    "warning",
    "advisory",
    'Set cache_backend to "sqlite" so the cache survives restarts.',
    "Persistent SQLite cache backend",
    setting=Setting("cache_backend", _cache_backend),
    resource_checks=(check_sdk_inputs,),
)
SDK_BACKOFF_JITTER = Rule(
    "sdk-backoff-jitter",
    "Synap SDK backoff_jitter must be true",
    "config",
    "warning",
    "advisory",
    "Set backoff_jitter to true so retries from many clients do not synchronise.",
    "Retries with exponential backoff and jitter",
    setting=Setting("backoff_jitter", _backoff_jitter),
    resource_checks=(check_sdk_inputs,),
)
SDK_SESSION_TIMEOUT = Rule(
    "sdk-session-timeout",
    "Synap SDK session_timeout_minutes must be within 5..1440",
    "config",
    "warning",
    "advisory",
    "Set session_timeout_minutes between 5 and 1440.",
    "Session timeout between 5 minutes and 24 hours",
    setting=Setting("session_timeout_minutes", _session_timeout),
    resource_checks=(check_sdk_inputs,),
)
#: Reported where SDK settings appear without any timeout (a whole file or one mapping).
SDK_TIMEOUTS = Rule(
    "sdk-timeouts",
    "Synap SDK configuration without timeouts",
    "config",
    "warning",
    "advisory",
    "Set explicit timeouts (connect 5 s, read 30 s, write 10 s).",
    "Explicit connect/read/write timeouts",
    resource_checks=(check_sdk_inputs,),
)

#: The SDK-setting family, in catalogue order.
SDK_RULES: tuple[Rule, ...] = (
    SDK_LOG_LEVEL,
    SDK_CACHE_BACKEND,
    SDK_BACKOFF_JITTER,
    SDK_SESSION_TIMEOUT,
    SDK_TIMEOUTS,
)
#: Normalised setting name (``log_level``) -> the rule that judges it. Read-only.
SETTING_RULES: Mapping[str, Rule] = MappingProxyType(
    {rule.setting.name: rule for rule in SDK_RULES if rule.setting is not None}
)
