"""The ``webhook-secret`` kind: a webhook signing secret the rotation engine rotates.

Registered in :mod:`rotation.engine.strategies.registry` for secrets tagged
``synap:kind = webhook-secret``. Applications never need this module: they verify
deliveries with :mod:`rotation.consumer.webhook`.

What each protocol step means for a signing secret:

``mint``
    32 random bytes, hex-encoded, made here: no Synap call, so nothing to retire on retry.
``check`` (setSecret)
    Synap has a webhook configured for the instance (read only).
``accepts``
    Synap's webhook config does not contradict this secret: it signs with it, or it has
    not been told about any secret since this one was made (so testSecret passes before
    the deploy, and after the deploy only the new secret passes - which is what the
    revoke of the old one confirms).
``publish`` (the engine calls it before its deployers: ``rollout.run_deployers``)
    Tell Synap's webhook config the new secret through the admin API, then read the
    config back and check its fingerprint.
``retire``
    Nothing at Synap: once deployed, Synap no longer signs with the old secret, and the
    verifier stops accepting it when the grace ends.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rotation.engine.decide import SweepCandidate, parse_time
from rotation.engine.strategies.base import Credential
from rotation.exceptions import NotFoundError, SecretValueError, VerifyError
from rotation.synap_client import SynapAdminClient

__all__ = [
    "WEBHOOK_KIND",
    "WebhookSecretStrategy",
    "WebhookSecretValue",
    "fingerprint",
    "parse_webhook_value",
]

WEBHOOK_KIND = "webhook-secret"


def fingerprint(signing_secret: str) -> str:
    """A public id for a signing secret: 16 hex of its SHA-256 (what Synap's config shows)."""
    return hashlib.sha256(signing_secret.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class WebhookSecretValue:
    """One stored signing secret; ``key_id`` is its fingerprint, never the secret."""

    key_id: str
    instance_id: str
    label: str
    created_at: str
    signing_secret: str = field(repr=False)

    def to_json(self) -> str:
        return json.dumps(
            {
                "signing_secret": self.signing_secret,
                "key_id": self.key_id,
                "instance_id": self.instance_id,
                "label": self.label,
                "created_at": self.created_at,
            },
            sort_keys=True,
        )


def parse_webhook_value(raw: str | None, *, where: str = "secret value") -> WebhookSecretValue:
    """Validate a stored signing-secret value, or raise SecretValueError (without the value)."""
    if raw is None or not raw.strip():
        raise SecretValueError(f"{where} is empty")
    try:
        data = json.loads(raw)
    except ValueError:
        raise SecretValueError(f"{where} is not valid JSON") from None
    if not isinstance(data, dict):
        raise SecretValueError(f"{where} must be a JSON object")
    secret = data.get("signing_secret")
    if not isinstance(secret, str) or len(secret) < 32:
        raise SecretValueError(f"{where} has no signing_secret of at least 32 characters")
    missing = [f for f in ("instance_id", "created_at") if not isinstance(data.get(f), str)]
    if missing:
        raise SecretValueError(f"{where} lacks string field(s): {', '.join(missing)}")
    return WebhookSecretValue(
        key_id=fingerprint(secret),
        instance_id=data["instance_id"],
        label=str(data.get("label") or ""),
        created_at=data["created_at"],
        signing_secret=secret,
    )


class WebhookSecretStrategy:
    """The engine's strategy for ``webhook-secret`` secrets (see the module docstring)."""

    kind = WEBHOOK_KIND

    def __init__(
        self,
        synap: Callable[[], SynapAdminClient],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._synap_factory = synap
        self._clock = clock

    def __repr__(self) -> str:
        return "WebhookSecretStrategy()"

    # -- the engine's protocol -----------------------------------------------------------

    def parse(self, raw: str | None, *, where: str = "secret value") -> WebhookSecretValue:
        return parse_webhook_value(raw, where=where)

    def mint(self, scope: str, label: str) -> WebhookSecretValue:
        secret = secrets.token_bytes(32).hex()
        stamp = datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return WebhookSecretValue(fingerprint(secret), scope, label, stamp, secret)

    def check(self, cred: Credential) -> None:
        if self._config(cred.instance_id) is None:
            raise VerifyError(f"no webhook is configured at Synap for {cred.instance_id}")

    def accepts(self, cred: Credential) -> bool:
        config = self._config(cred.instance_id)
        if config is None:
            return False
        if config.get("secret_fingerprint") == cred.key_id:
            return True
        told = parse_time(str(config.get("updated_at") or ""))
        made = parse_time(cred.created_at)
        return told is not None and made is not None and made > told

    def retire(self, scope: str, credential_id: str) -> None:
        return None

    def last_used(self, scope: str, credential_id: str) -> float | None:
        return None

    def listed(self, scope: str) -> list[SweepCandidate]:
        return []

    # -- publish (the engine calls it before its deployers) ------------------------------

    def publish(self, cred: Credential) -> None:
        """Give Synap's webhook config the new secret, then confirm it by fingerprint."""
        if not isinstance(cred, WebhookSecretValue):
            raise SecretValueError("not a webhook signing secret")
        config = self._config(cred.instance_id)
        if config is None or not config.get("url"):
            raise VerifyError(f"no webhook is configured at Synap for {cred.instance_id}")
        self._synap_factory().set_webhook_config(
            cred.instance_id, str(config["url"]), cred.signing_secret
        )
        after = self._config(cred.instance_id)
        if after is None or after.get("secret_fingerprint") != cred.key_id:
            raise VerifyError(f"Synap's webhook config does not show secret {cred.key_id}")

    # -- Synap's webhook config ------------------------------------------------------------

    def _config(self, instance_id: str) -> dict[str, Any] | None:
        try:
            return self._synap_factory().webhook_config(instance_id)
        except NotFoundError:
            return None
