"""The webhook signing secret as a kind of secret the rotation engine rotates.

Plugs into :mod:`rotation.engine.strategy` under ``webhook-secret`` (the secret's
``synap:kind`` tag). Only the rotation Lambda imports this module (through
:func:`register_webhook_strategy`); applications never need it.

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
``deploy`` (the engine calls it before its deployers: ``Engine._publish``)
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
from urllib.parse import quote

from rotation.engine.decide import SweepCandidate, parse_time
from rotation.engine.exceptions import SecretValueError, VerifyError
from rotation.engine.strategy import Credential, register
from rotation.exceptions import NotFoundError
from rotation.synap_client import SynapAdminClient

__all__ = [
    "WEBHOOK_KIND",
    "WebhookSecretStrategy",
    "WebhookSecretValue",
    "fingerprint",
    "register_webhook_strategy",
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

    # -- deploy (called by the engine once it has a per-strategy hook) -----------------

    def deploy(self, cred: Credential) -> None:
        """Give Synap's webhook config the new secret, then confirm it by fingerprint."""
        if not isinstance(cred, WebhookSecretValue):
            raise SecretValueError("not a webhook signing secret")
        config = self._config(cred.instance_id)
        if config is None or not config.get("url"):
            raise VerifyError(f"no webhook is configured at Synap for {cred.instance_id}")
        self._webhook(
            "PUT", cred.instance_id, {"url": config["url"], "signing_secret": cred.signing_secret}
        )
        after = self._config(cred.instance_id)
        if after is None or after.get("secret_fingerprint") != cred.key_id:
            raise VerifyError(f"Synap's webhook config does not show secret {cred.key_id}")

    # -- Synap's webhook config ------------------------------------------------------------

    def _config(self, instance_id: str) -> dict[str, Any] | None:
        try:
            return self._webhook("GET", instance_id, None)
        except NotFoundError:
            return None

    def _webhook(
        self, method: str, instance_id: str, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        synap = self._synap_factory()
        path = f"/v1/instances/{quote(instance_id, safe='')}/webhook"
        # The admin client's request plumbing (retries, error translation, correlation
        # id) is package-internal; the webhook config calls reuse it rather than copy it.
        return synap._request("webhook_config", method, path, json=body)


def register_webhook_strategy(clock: Callable[[], float] = time.time) -> None:
    """Make the engine rotate secrets tagged ``synap:kind = webhook-secret``."""
    register(WEBHOOK_KIND, lambda synap: WebhookSecretStrategy(synap, clock=clock))
