"""Exceptions raised by the rotation package: one rooted tree, three branches.

Transient apart from permanent (the ``transient`` flag decides a retry). Every error
carries the ``correlation_id`` of the operation (Synap's ``X-Correlation-Id`` or AWS's
request id when the service sent one, else one made client-side) and never a key
value: messages name secret ids, version ids and key ids only::

    KeyOpsError                      base of every error of this package
    ├── SynapError                   a call to Synap failed
    │   ├── NetworkTimeoutError      transient: connect/read/write timeout
    │   ├── NetworkError             transient: connection refused or reset
    │   ├── RateLimitError           transient: 429, carries retry_after_seconds
    │   ├── ServiceUnavailableError  transient: 5xx
    │   ├── InvalidInputError        permanent: 400, malformed input, bad base URL
    │   ├── AuthenticationError      permanent: 401/403 (bad admin key, revoked key)
    │   └── NotFoundError            permanent: 404 (unknown instance or key)
    ├── AwsError                     an AWS API call failed (transient: throttling, 5xx, network)
    └── RotationError                an engine operation failed
        ├── ConfigError              permanent: missing or bad environment / deployer config
        ├── SecretValueError         permanent: a secret value is not the documented JSON
        ├── StepError                permanent: the event breaks the rotation protocol
        ├── RotationInProgressError  permanent: another version already holds AWSPENDING
        ├── DeployError              transient: a deployer failed
        ├── VerifyError              permanent: the new key was not accepted or not used
        └── RevokeUnconfirmedError   transient: a revoked key still authenticates
"""

from __future__ import annotations

import uuid

__all__ = [
    "AuthenticationError",
    "AwsError",
    "ConfigError",
    "DeployError",
    "InvalidInputError",
    "KeyOpsError",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "RateLimitError",
    "RevokeUnconfirmedError",
    "RotationError",
    "RotationInProgressError",
    "SecretValueError",
    "ServiceUnavailableError",
    "StepError",
    "SynapError",
    "VerifyError",
    "new_correlation_id",
]


def new_correlation_id() -> str:
    """A client-side correlation id, used when the service did not send one."""
    return f"cli-{uuid.uuid4().hex[:16]}"


class KeyOpsError(Exception):
    """Base of every error of the rotation package (Synap, AWS and the engine)."""

    transient: bool = False
    default_code: str = "keyops_error"

    def __init__(
        self,
        message: str,
        *,
        correlation_id: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.correlation_id = correlation_id or new_correlation_id()
        self.status_code = status_code
        self.code = code or self.default_code

    def __str__(self) -> str:
        return f"{self.message} (correlation_id={self.correlation_id})"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view for ``--json`` output and logs."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "code": self.code,
            "status_code": self.status_code,
            "transient": self.transient,
            "correlation_id": self.correlation_id,
        }


class SynapError(KeyOpsError):
    """Base of every error talking to Synap."""

    default_code = "synap_error"


class NetworkTimeoutError(SynapError):
    """The request timed out (connect, read or write)."""

    transient = True
    default_code = "timeout"


class NetworkError(SynapError):
    """The connection failed or was reset before a response arrived."""

    transient = True
    default_code = "network_error"


class RateLimitError(SynapError):
    """Synap answered 429; wait ``retry_after_seconds`` before the next call."""

    transient = True
    default_code = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: float | None = None,
        correlation_id: str | None = None,
        status_code: int | None = 429,
        code: str | None = None,
    ) -> None:
        super().__init__(message, correlation_id=correlation_id, status_code=status_code, code=code)
        self.retry_after_seconds = retry_after_seconds

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["retry_after_seconds"] = self.retry_after_seconds
        return data


class ServiceUnavailableError(SynapError):
    """Synap answered with a 5xx status."""

    transient = True
    default_code = "service_unavailable"


class InvalidInputError(SynapError):
    """The request was malformed (400) or the client was given bad input."""

    default_code = "invalid_input"


class AuthenticationError(SynapError):
    """The key was rejected (401/403): wrong admin key, revoked or unknown API key."""

    default_code = "authentication_failed"


class NotFoundError(SynapError):
    """The instance or key does not exist at Synap (404)."""

    default_code = "not_found"


class AwsError(KeyOpsError):
    """An AWS API call failed; ``transient`` is set for throttling, 5xx and network errors."""

    default_code = "aws_error"

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        correlation_id: str | None = None,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, correlation_id=correlation_id, code=code, status_code=status_code)
        self.transient = transient


class RotationError(KeyOpsError):
    """Base of every rotation-engine error."""

    default_code = "rotation_error"


class ConfigError(RotationError):
    """The engine's configuration (environment, deployer JSON) is missing or invalid."""

    default_code = "config_error"


class SecretValueError(RotationError):
    """A secret's value is malformed; the secret is left as it was."""

    default_code = "malformed_secret"


class StepError(RotationError):
    """The event violates the Secrets Manager rotation protocol (step, token, stage)."""

    default_code = "protocol_error"


class RotationInProgressError(RotationError):
    """A previous rotation isn't complete: another version holds AWSPENDING."""

    default_code = "rotation_in_progress"


class DeployError(RotationError):
    """A deployer could not make consumers pick the new key up."""

    transient = True
    default_code = "deploy_failed"


class VerifyError(RotationError):
    """Verification after deploy failed: Synap refused the key or no consumer used it."""

    default_code = "verify_failed"


class RevokeUnconfirmedError(RotationError):
    """The provider took the revoke but the key still authenticates: retry later."""

    transient = True
    default_code = "revoke_unconfirmed"

    def __init__(self, message: str, *, retry_after_seconds: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
