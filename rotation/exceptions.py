"""Exceptions raised by the rotation package.

One rooted tree, transient apart from permanent. Every error carries the
``correlation_id`` of the operation (Synap's ``X-Correlation-Id`` when the
service sent one, else one made client-side) and never a key value::

    SynapError                      (transient flag decides retry)
    ├── NetworkTimeoutError         transient: connect/read/write timeout
    ├── NetworkError                transient: connection refused or reset
    ├── RateLimitError              transient: 429, carries retry_after_seconds
    ├── ServiceUnavailableError     transient: 5xx
    ├── InvalidInputError           permanent: 400, malformed input, bad base URL
    ├── AuthenticationError         permanent: 401/403 (bad admin key, revoked key)
    └── NotFoundError               permanent: 404 (unknown instance or key)
"""

from __future__ import annotations

import uuid

__all__ = [
    "AuthenticationError",
    "InvalidInputError",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "SynapError",
    "new_correlation_id",
]


def new_correlation_id() -> str:
    """A client-side correlation id, used when the service did not send one."""
    return f"cli-{uuid.uuid4().hex[:16]}"


class SynapError(Exception):
    """Base of every error talking to Synap."""

    transient: bool = False
    default_code: str = "synap_error"

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
