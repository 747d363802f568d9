"""Webhook signature verification: a delivery signed with a wrong secret is refused."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def test_signature_mismatch_is_rejected() -> None:
    body = b'{"event": "memory.created"}'
    good = sign(b"current-secret", body)
    assert hmac.compare_digest(good, sign(b"current-secret", body))
    assert not hmac.compare_digest(good, sign(b"other-secret", body))
