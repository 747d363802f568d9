"""``http``: POST a notification signed with HMAC-SHA256 to a deploy hook.

Body: ``{"event": "synap.key.rotated", "secret_id", "version_id", "key_id", "timestamp"}``
(identifiers only). Headers: ``X-Keyops-Timestamp`` and ``X-Keyops-Signature:
sha256=<hex HMAC of "<timestamp>.<body>">`` keyed by the secret ``signing_secret_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import httpx

from rotation.deployers.base import DeployContext
from rotation.exceptions import DeployError

__all__ = ["HttpDeployer", "sign"]


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class HttpDeployer:
    url: str
    signing_secret_id: str
    timeout_seconds: float = 10.0
    kind: str = "http"

    @property
    def slow(self) -> bool:
        return False

    def deploy(self, ctx: DeployContext) -> None:
        key = ctx.read_secret(self.signing_secret_id).encode()
        timestamp = str(int(ctx.clock()))
        body = json.dumps(
            {
                "event": "synap.key.rotated",
                "secret_id": ctx.secret_id,
                "version_id": ctx.version_id,
                "key_id": ctx.key_id,
                "timestamp": timestamp,
            },
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Keyops-Timestamp": timestamp,
            "X-Keyops-Signature": sign(key, timestamp, body),
        }
        ctx.progress(f"notifying deploy hook {self.url}")
        try:
            response = httpx.post(
                self.url, content=body, headers=headers, timeout=self.timeout_seconds
            )
        except httpx.HTTPError as exc:
            raise DeployError(f"deploy hook {self.url}: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeployError(f"deploy hook {self.url} answered {response.status_code}")
