"""SDK settings from the checklist, in text and in parsed config mappings."""

from __future__ import annotations

import pytest

from policies.rules import scan_bytes
from policies.rules.sdk import check_setting, check_settings, normalise_key


def rules_in(text: str, *, whole_file: bool = True) -> list[str]:
    return [m.rule_id for m in scan_bytes(text.encode(), whole_file=whole_file)]


@pytest.mark.parametrize(
    ("line", "rule_id"),
    [
        ("SYNAP_LOG_LEVEL=DEBUG", "sdk-log-level"),
        ("log_level: info", "sdk-log-level"),
        ('cache_backend = "memory"', "sdk-cache-backend"),
        ("SYNAP_BACKOFF_JITTER=false", "sdk-backoff-jitter"),
        ("client = SynapClient(backoff_jitter=False)", "sdk-backoff-jitter"),
        ("session_timeout_minutes: 2", "sdk-session-timeout"),
        ("session_timeout_minutes: 2000", "sdk-session-timeout"),
    ],
)
def test_bad_settings_are_findings(line: str, rule_id: str) -> None:
    text = f"# synap client\n{line}\ntimeout: 30\n"
    assert rules_in(text) == [rule_id]


@pytest.mark.parametrize(
    "line",
    [
        "SYNAP_LOG_LEVEL=WARNING",
        "log_level: ERROR",
        'cache_backend = "sqlite"',
        "backoff_jitter: true",
        "session_timeout_minutes: 60",
        "log_level = os.environ.get('LOG_LEVEL')",  # code, not a literal
    ],
)
def test_good_settings_are_not(line: str) -> None:
    assert rules_in(f"# synap client\n{line}\nread_timeout: 30\n") == []


def test_settings_outside_a_synap_file_are_ignored() -> None:
    assert rules_in("log_level: DEBUG\ntimeout: 5\n") == []


def test_sdk_settings_without_a_timeout() -> None:
    text = "synap:\n  log_level: WARNING\n  cache_backend: sqlite\n"
    assert rules_in(text) == ["sdk-timeouts"]
    assert rules_in(text + "  timeouts: {connect: 5, read: 30, write: 10}\n") == []
    # in a diff only the added lines are known: no file-level verdict
    assert rules_in(text, whole_file=False) == []


def test_mapping_rules() -> None:
    assert normalise_key("SYNAP_LOG_LEVEL") == "log_level"
    assert normalise_key("sessionTimeoutMinutes") == "session_timeout_minutes"
    assert check_setting("backoffJitter", False) is not None
    assert check_setting("backoffJitter", True) is None
    assert check_setting("unrelated", "DEBUG") is None
    found = check_settings({"SYNAP_LOG_LEVEL": "DEBUG", "SYNAP_CACHE_BACKEND": "sqlite"})
    assert [v.rule_id for v in found] == ["sdk-log-level", "sdk-timeouts"]
    assert check_settings({"log_level": "ERROR", "timeout_seconds": 30}) == []
