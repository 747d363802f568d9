"""Webhook signature verification that survives a rotation of the signing secret.

Synap signs each delivery with ``X-Synap-Signature: sha256=<hex>``, the HMAC-SHA256
of the raw body under the endpoint's signing secret (production checklist). While the
secret is being rotated, Synap may still sign with the previous secret (deliveries in
flight, retries hours later, the deploy step not yet run), so the verifier accepts the
current secret and, until ``grace_seconds`` after the current one was created, the
previous one. A signature that matches neither makes it re-read the secrets once
(throttled), in case Synap already signs with a secret newer than its cache.

Example::

    verifier = WebhookVerifier("synap/prod/webhook-secret")   # or SYNAP_WEBHOOK_SECRET_ID
    try:
        verifier.verify(raw_body, request.headers.get("X-Synap-Signature"))
    except WebhookVerificationError:
        return Response(status_code=401)

The secret value is JSON ``{"signing_secret": "<hex of 32 random bytes>", "created_at"}``
(a bare string is accepted too); the HMAC key is the signing secret's UTF-8 bytes,
exactly as Synap's own example uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from rotation.consumer.cache import RefreshingCache
from rotation.consumer.config import (
    CONSUMER_ENV,
    DEFAULT_KEY_TTL_SECONDS,
    DEFAULT_TOLERANCE_SECONDS,
    DEFAULT_WEBHOOK_GRACE_SECONDS,
    number_setting,
    setting,
)
from rotation.consumer.exceptions import (
    InvalidSignatureError,
    MalformedSignatureError,
    MissingSignatureError,
    SecretFormatError,
    SecretNotFoundError,
    StaleSignatureError,
)
from rotation.consumer.secrets import SecretReader, SecretsManagerReader, SecretVersion

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = [
    "SIGNATURE_HEADER",
    "SigningSecrets",
    "WebhookVerifier",
    "check_timestamp",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Synap-Signature"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign(body: bytes, secret: str) -> str:
    """The header value Synap sends for ``body``: ``sha256=<hex>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(body: bytes, header: str | None, secrets: Sequence[str]) -> int:
    """Index of the secret in ``secrets`` that signed ``body``; raises a WebhookVerificationError.

    Every candidate is compared (constant time each) before deciding, so the time taken
    does not say which secret, if any, came close.
    """
    if header is None or not header.strip():
        raise MissingSignatureError(f"the delivery has no {SIGNATURE_HEADER} header")
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        raise MalformedSignatureError(f"{SIGNATURE_HEADER} is not 'sha256=<64 hex characters>'")
    given = f"sha256={match.group(1).lower()}".encode()
    results = [hmac.compare_digest(sign(body, s).encode(), given) for s in secrets]
    for index, ok in enumerate(results):
        if ok:
            return index
    raise InvalidSignatureError("the signature matches no signing secret accepted now")


def _payload_timestamp(body: bytes) -> float | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("timestamp") if isinstance(data, dict) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) / 1000.0 if value > 1e12 else float(value)  # ms or s since epoch
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def check_timestamp(body: bytes, now: float, tolerance_seconds: float) -> None:
    """Reject a payload whose ``timestamp`` is more than the tolerance from ``now``.

    Payloads without a (parseable) timestamp are not checked: the tolerance only applies
    "if the payload carries one".
    """
    stamp = _payload_timestamp(body)
    if stamp is not None and abs(now - stamp) > tolerance_seconds:
        raise StaleSignatureError(
            f"the payload timestamp is {now - stamp:+.0f} s from now "
            f"(tolerance {tolerance_seconds:.0f} s)"
        )


@dataclass(frozen=True)
class SigningSecrets:
    """The current signing secret and the previous one with the end of its grace."""

    current: str = field(repr=False)
    current_version: str
    previous: str | None = field(default=None, repr=False)
    previous_version: str | None = None
    #: epoch seconds after which ``previous`` is no longer accepted
    previous_until: float | None = None

    @property
    def identity(self) -> tuple[str, str | None]:
        return (self.current_version, self.previous_version)

    def accepted(self, now: float) -> list[tuple[Literal["current", "previous"], str]]:
        out: list[tuple[Literal["current", "previous"], str]] = [("current", self.current)]
        in_grace = self.previous_until is not None and now < self.previous_until
        if self.previous is not None and in_grace:
            out.append(("previous", self.previous))
        return out


def parse_signing_secret(version: SecretVersion) -> tuple[str, float | None]:
    """The signing secret and its creation time (epoch) from a secret version."""
    where = f"secret {version.secret_id!r} ({version.stage})"
    created = version.created_at
    try:
        data = json.loads(version.value)
    except ValueError:
        data = version.value.strip()
    if isinstance(data, dict):
        secret = data.get("signing_secret")
        stamp = data.get("created_at")
        if isinstance(stamp, str):
            try:
                created = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
            except ValueError as exc:
                raise SecretFormatError(f"{where} has a created_at that is not ISO 8601") from exc
    else:
        secret = data
    if not isinstance(secret, str) or len(secret) < 16:
        raise SecretFormatError(f"{where} has no signing_secret of at least 16 characters")
    return secret, created


class WebhookVerifier:
    """Verifies deliveries against the secret's ``AWSCURRENT`` and in-grace ``AWSPREVIOUS``."""

    def __init__(
        self,
        secret_id: str | None = None,
        *,
        client: SecretsManagerClient | None = None,
        reader: SecretReader | None = None,
        grace_seconds: float | None = None,
        tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
        ttl_seconds: float = DEFAULT_KEY_TTL_SECONDS,
        min_refresh_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        resolved = setting(secret_id, CONSUMER_ENV.webhook_secret_id)
        if not resolved:
            raise ValueError(
                f"no secret id: pass secret_id or set {CONSUMER_ENV.webhook_secret_id}"
            )
        self.secret_id = resolved
        self.reader = reader or SecretsManagerReader(client)
        self.grace_seconds = number_setting(
            grace_seconds, CONSUMER_ENV.webhook_grace_seconds, DEFAULT_WEBHOOK_GRACE_SECONDS
        )
        self.tolerance_seconds = tolerance_seconds
        self._clock = clock
        self._cache: RefreshingCache[SigningSecrets] = RefreshingCache(
            self.load,
            ttl_seconds=ttl_seconds,
            min_refresh_seconds=min_refresh_seconds,
            clock=monotonic,
            rand=rand,
            identity=lambda s: s.identity,
        )

    def __repr__(self) -> str:
        return f"WebhookVerifier(secret_id={self.secret_id!r}, grace_seconds={self.grace_seconds})"

    def load(self) -> SigningSecrets:
        """Read ``AWSCURRENT`` and ``AWSPREVIOUS`` (absent before the first rotation)."""
        current_version = self.reader.read(self.secret_id, "AWSCURRENT")
        current, created = parse_signing_secret(current_version)
        try:
            previous_version = self.reader.read(self.secret_id, "AWSPREVIOUS")
        except SecretNotFoundError:
            return SigningSecrets(current, current_version.version_id)
        previous, _ = parse_signing_secret(previous_version)
        # Grace runs from the current secret's creation (the rotation's createSecret),
        # a few seconds before it was promoted: conservative by that much.
        until = None if created is None else created + self.grace_seconds
        return SigningSecrets(
            current,
            current_version.version_id,
            previous,
            previous_version.version_id,
            until,
        )

    def verify(self, body: bytes, signature: str | None) -> Literal["current", "previous"]:
        """Check ``signature`` over the raw ``body``; returns which secret matched.

        Raises MissingSignatureError, MalformedSignatureError, InvalidSignatureError or
        StaleSignatureError (all WebhookVerificationError).
        """
        secrets = self._cache.get()
        try:
            which = self._match(body, signature, secrets)
        except InvalidSignatureError:
            fresh = self._cache.refresh(seen=secrets)
            if fresh.identity == secrets.identity:
                raise
            which = self._match(body, signature, fresh)
        check_timestamp(body, self._clock(), self.tolerance_seconds)
        return which

    def _match(
        self, body: bytes, signature: str | None, secrets: SigningSecrets
    ) -> Literal["current", "previous"]:
        accepted = secrets.accepted(self._clock())
        index = verify_signature(body, signature, [value for _, value in accepted])
        return accepted[index][0]
