"""Fixture repositories, exports and attestations for the checklist tests (built in tmp dirs)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from policies.checklist.items import attestable_ids

from .helpers import clean_export

__all__ = [
    "GOOD_REPO",
    "TODAY",
    "attestations_yaml",
    "good_export",
    "write_export",
    "write_repo",
]

TODAY = date(2026, 11, 25)

SDK_CONFIG = """\
# Synap SDK settings for production
synap:
  log_level: WARNING
  cache_backend: sqlite
  session_timeout_minutes: 60
  backoff_jitter: true
  connect_timeout_seconds: 5
  read_timeout_seconds: 30
  write_timeout_seconds: 10
"""

APP = '''\
"""The application's Synap calls."""

import hashlib
import hmac
import logging

from synap import SynapError

log = logging.getLogger(__name__)


def verify_webhook(secret: bytes, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def answer(client, query):
    try:
        return client.context.fetch(query, mode="fast")
    except SynapError as exc:
        log.error(
            "context fetch failed: %s",
            exc.code,
            extra={"correlation_id": exc.correlation_id},
        )
        return None
'''

APP_TEST = """\
from app.synap_app import verify_webhook


def test_webhook_signature_is_verified():
    assert not verify_webhook(b"k", b"{}", "sha256=00")
"""

GOOD_REPO: dict[str, str] = {
    "config/synap.yaml": SDK_CONFIG,
    "app/__init__.py": "",
    "app/synap_app.py": APP,
    "tests/test_webhook.py": APP_TEST,
    "runbooks/rotation.md": "# Rotating the Synap API key\n\nsynap-rotation rotate ...\n",
    "runbooks/rollback.md": "# Rolling back a rotation\n\nsynap-rotation rollback ...\n",
    "README.md": "# An application that uses Synap\n",
}


def write_repo(root: Path, files: dict[str, str | None] | None = None) -> Path:
    """The good repository with ``files`` replacing (or, for None, deleting) entries."""
    content: dict[str, str | None] = {**GOOD_REPO, **(files or {})}
    root.mkdir(parents=True, exist_ok=True)
    for name, text in content.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def good_export() -> dict[str, Any]:
    """The policies tests' clean stack (one high-security instance, every alarm)."""
    return clean_export()


def write_export(path: Path, export: dict[str, Any]) -> Path:
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def attestations_yaml(
    on: date = TODAY - timedelta(days=10), *, items: tuple[str, ...] | None = None
) -> str:
    """Every attestable item (or ``items``) attested on ``on``."""
    lines = ["attestations:"]
    for item in items if items is not None else attestable_ids():
        lines += [
            f"  - item: {item}",
            "    by: dana@example.com",
            f"    on: {on.isoformat()}",
            f"    note: checked {item}",
        ]
    return "\n".join(lines) + "\n"
