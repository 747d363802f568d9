"""Secrets Manager adapter: read one version of a secret by stage, translate errors.

The only module of the consumer library that talks to AWS. ``client=None`` builds a
boto3 client on first use (never at import), with short timeouts and boto3's
"standard" retry mode, so a slow Secrets Manager cannot hold an application's
request for long.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from rotation.consumer.exceptions import (
    SecretAccessDeniedError,
    SecretLoadError,
    SecretNotFoundError,
    SecretUnavailableError,
)

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["SecretReader", "SecretVersion", "SecretsManagerReader", "Stage"]

Stage = Literal["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"]

_NOT_FOUND = {"ResourceNotFoundException"}
_DENIED = {"AccessDeniedException", "DecryptionFailure", "KMSAccessDeniedException"}
_TRANSIENT = {"ThrottlingException", "InternalServiceError", "RequestTimeout", "ServiceUnavailable"}


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret. ``value`` is never part of ``repr``."""

    secret_id: str
    version_id: str
    stage: str
    created_at: float | None
    value: str = field(repr=False)


class SecretReader(Protocol):
    """What the provider and the verifier need: one version by stage, and a call count."""

    calls: int

    def read(self, secret_id: str, stage: Stage = "AWSCURRENT") -> SecretVersion: ...


def error_from_client_error(exc: ClientError, secret_id: str, stage: str) -> SecretLoadError:
    """Map a botocore ClientError to the consumer tree (names the secret, never its value)."""
    err = exc.response.get("Error", {})
    code = str(err.get("Code", "Unknown"))
    meta = exc.response.get("ResponseMetadata", {})
    request_id = meta.get("RequestId") or None
    status = int(meta.get("HTTPStatusCode") or 0)
    text = f"reading secret {secret_id!r} ({stage}) failed: {code}"
    cls: type[SecretLoadError]
    if code in _NOT_FOUND:
        cls = SecretNotFoundError
    elif code in _DENIED or status == 403:
        cls = SecretAccessDeniedError
    elif code in _TRANSIENT or status >= 500 or status == 429:
        cls = SecretUnavailableError
    else:
        cls = SecretLoadError
    return cls(text, correlation_id=request_id)


def _default_client() -> SecretsManagerClient:
    import boto3  # deferred: importing the library must not pay for boto3's session setup
    from botocore.config import Config

    config = Config(
        connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
    )
    return boto3.client("secretsmanager", config=config)


class SecretsManagerReader:
    """Reads ``GetSecretValue`` for a named stage; thread-safe; counts its calls."""

    def __init__(self, client: SecretsManagerClient | None = None) -> None:
        self._client = client
        self._lock = threading.Lock()
        #: GetSecretValue calls made (what the per-hour cost figure counts).
        self.calls = 0

    def __repr__(self) -> str:
        return f"SecretsManagerReader(calls={self.calls})"

    @property
    def client(self) -> SecretsManagerClient:
        with self._lock:
            if self._client is None:
                self._client = _default_client()
            return self._client

    def read(self, secret_id: str, stage: Stage = "AWSCURRENT") -> SecretVersion:
        """The version of ``secret_id`` in ``stage``.

        The stage is always named: without it moto (and a racing stage move) can hand
        back a version that is no longer current.
        """
        client = self.client
        with self._lock:
            self.calls += 1
        try:
            resp: Any = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
        except ClientError as exc:
            raise error_from_client_error(exc, secret_id, stage) from exc
        except BotoCoreError as exc:
            raise SecretUnavailableError(
                f"reading secret {secret_id!r} ({stage}) failed: {type(exc).__name__}"
            ) from exc
        value = resp.get("SecretString")
        if value is None:
            raise SecretLoadError(f"secret {secret_id!r} ({stage}) has no string value")
        created = resp.get("CreatedDate")
        return SecretVersion(
            secret_id=secret_id,
            version_id=str(resp["VersionId"]),
            stage=stage,
            created_at=created.timestamp() if isinstance(created, datetime) else None,
            value=str(value),
        )
