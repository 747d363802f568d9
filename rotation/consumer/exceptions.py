"""Exceptions raised by the consumer library (key provider, webhook verifier).

One rooted tree, transient apart from permanent. Errors from Synap calls themselves
keep their own tree (:mod:`rotation.exceptions`); the call wrapper handles both.
No exception message ever carries a key, a signing secret or a signature::

    ConsumerError                        (transient flag decides "degrade" vs "raise")
    ├── SecretLoadError                  loading a secret from Secrets Manager failed
    │   ├── SecretUnavailableError       transient: throttled, 5xx, network, timeout
    │   ├── SecretNotFoundError          permanent: no such secret or no version in that stage
    │   ├── SecretAccessDeniedError      permanent: IAM or KMS refused the read
    │   └── SecretFormatError            permanent: the value is not the JSON this library expects
    └── WebhookVerificationError         permanent: answer 401 and drop the delivery
        ├── MissingSignatureError        no X-Synap-Signature header
        ├── MalformedSignatureError      not ``sha256=<64 hex>``
        ├── InvalidSignatureError        matches neither the current nor an in-grace previous secret
        └── StaleSignatureError          the payload's timestamp is outside the tolerance
"""

from __future__ import annotations

import uuid

__all__ = [
    "ConsumerError",
    "InvalidSignatureError",
    "MalformedSignatureError",
    "MissingSignatureError",
    "SecretAccessDeniedError",
    "SecretFormatError",
    "SecretLoadError",
    "SecretNotFoundError",
    "SecretUnavailableError",
    "StaleSignatureError",
    "WebhookVerificationError",
]


class ConsumerError(Exception):
    """Base of every error raised by :mod:`rotation.consumer`."""

    transient: bool = False
    default_code: str = "consumer_error"

    def __init__(self, message: str, *, correlation_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.correlation_id = correlation_id or f"cons-{uuid.uuid4().hex[:16]}"
        self.code = self.default_code

    def __str__(self) -> str:
        return f"{self.message} (correlation_id={self.correlation_id})"


class SecretLoadError(ConsumerError):
    """Reading a secret from Secrets Manager failed."""

    default_code = "secret_load_failed"


class SecretUnavailableError(SecretLoadError):
    """Secrets Manager was throttled, unreachable or failing (5xx, timeout)."""

    transient = True
    default_code = "secret_unavailable"


class SecretNotFoundError(SecretLoadError):
    """The secret, or a version in the asked stage, does not exist."""

    default_code = "secret_not_found"


class SecretAccessDeniedError(SecretLoadError):
    """IAM or KMS refused the read: a permissions problem, not a passing one."""

    default_code = "secret_access_denied"


class SecretFormatError(SecretLoadError):
    """The secret value is not the JSON shape this library expects."""

    default_code = "secret_malformed"


class WebhookVerificationError(ConsumerError):
    """A webhook delivery failed verification: answer 401 and do not process it."""

    default_code = "webhook_rejected"


class MissingSignatureError(WebhookVerificationError):
    """The delivery has no signature header."""

    default_code = "signature_missing"


class MalformedSignatureError(WebhookVerificationError):
    """The signature header is not ``sha256=<64 lowercase hex>``."""

    default_code = "signature_malformed"


class InvalidSignatureError(WebhookVerificationError):
    """The signature matches no signing secret accepted right now."""

    default_code = "signature_invalid"


class StaleSignatureError(WebhookVerificationError):
    """The payload's timestamp is too far from now (a replay, or a badly skewed clock)."""

    default_code = "signature_stale"
