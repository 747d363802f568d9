"""Synap admin client: create, list, revoke and verify API keys over HTTP.

Timeouts follow the production checklist (connect 5 s, read 30 s, write 10 s).
Transient failures are retried per :class:`~rotation.retry.RetryPolicy`;
permanent ones (400/401/403/404) never are. Errors are translated from httpx
at this boundary into :mod:`rotation.exceptions`.

Example::

    with SynapAdminClient("http://127.0.0.1:8080", admin_key) as synap:
        created = synap.create_key("inst_1", label="rotation-<token>")
        assert synap.verify_key("inst_1", created.api_key)
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from rotation.exceptions import (
    AuthenticationError,
    InvalidInputError,
    NetworkError,
    NetworkTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    SynapError,
    new_correlation_id,
)
from rotation.keys import KEY_PATTERN, redact
from rotation.retry import RetryPolicy

__all__ = ["DEFAULT_TIMEOUT", "ApiKey", "CreatedKey", "SynapAdminClient", "validate_base_url"]

#: connect 5 s, read 30 s, write 10 s, pool 5 s (the production checklist's timeouts).
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)
CORRELATION_HEADER = "X-Correlation-Id"
USER_AGENT = "synap-keyops/0.1"

log = logging.getLogger("rotation.synap")


@dataclass(frozen=True)
class ApiKey:
    """A key as Synap lists it (never with its secret value)."""

    key_id: str
    label: str
    status: str
    created_at: str
    last_used_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class CreatedKey:
    """A freshly created key. ``api_key`` is the only copy: store it, never log it."""

    key_id: str
    label: str
    created_at: str
    api_key: str = field(repr=False)

    def __repr__(self) -> str:
        preview = redact(self.api_key)
        return f"CreatedKey(key_id={self.key_id!r}, label={self.label!r}, api_key='{preview}')"


def validate_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash, or raise InvalidInputError if it is not http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(
            "Synap base URL must be an http(s) URL like https://api.synap.example, "
            f"got {url[:80]!r}"
        )
    return url.rstrip("/")


def _scrub(text: str) -> str:
    """Remove anything key-shaped from text that came from the network."""
    return KEY_PATTERN.sub(lambda m: redact(m.group(0)), text)[:500]


def _parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


_STATUS_ERRORS: dict[int, type[SynapError]] = {
    400: InvalidInputError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: InvalidInputError,
    422: InvalidInputError,
}


def error_from_response(response: httpx.Response, *, now: float) -> SynapError:
    """Translate a non-2xx response into the matching SynapError."""
    cid = response.headers.get(CORRELATION_HEADER) or new_correlation_id()
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = _scrub(str(body.get("error") or response.reason_phrase or "error"))
    code = str(body.get("code")) if body.get("code") else None
    status = response.status_code
    text = f"Synap answered {status}: {message}"
    if status == 429:
        return RateLimitError(
            text,
            retry_after_seconds=_parse_retry_after(response.headers.get("Retry-After"), now),
            correlation_id=cid,
            code=code,
        )
    if status >= 500:
        return ServiceUnavailableError(text, correlation_id=cid, status_code=status, code=code)
    cls = _STATUS_ERRORS.get(status, InvalidInputError)
    return cls(text, correlation_id=cid, status_code=status, code=code)


def error_from_transport(exc: httpx.TransportError, correlation_id: str) -> SynapError:
    """Translate an httpx transport failure (no response) into a transient SynapError."""
    if isinstance(exc, httpx.TimeoutException):
        return NetworkTimeoutError(
            f"request to Synap timed out ({type(exc).__name__})", correlation_id=correlation_id
        )
    return NetworkError(
        f"connection to Synap failed ({type(exc).__name__})", correlation_id=correlation_id
    )


# Failures after which a POST may have been applied by the server even though we saw no
# success: a retry of create_key must first revoke what such an attempt may have made.
_AMBIGUOUS = (NetworkTimeoutError, NetworkError, ServiceUnavailableError)


class SynapAdminClient:
    """Key management against one Synap deployment. Thread-safe as httpx.Client is."""

    def __init__(
        self,
        base_url: str,
        admin_key: str,
        *,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = validate_base_url(base_url)
        if not admin_key:
            raise InvalidInputError("the Synap admin key is empty")
        self._admin_key = admin_key
        self._owns_client = client is None
        self._http = client or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        #: Calls sent over the wire (attempts, not operations), per operation name.
        self.calls: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"SynapAdminClient(base_url={self.base_url!r})"

    def __enter__(self) -> SynapAdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    # -- public operations -------------------------------------------------------------

    def create_key(self, instance_id: str, label: str) -> CreatedKey:
        """Create a key labelled ``label``. Safe to retry: see the note on orphans below."""
        if not label or len(label) > 200:
            raise InvalidInputError("key label must be 1..200 characters")

        def on_retry(error: SynapError) -> None:
            # The lost response may have carried a key we will never see again: revoke
            # any active key with this label so no orphan outlives the failure.
            if isinstance(error, _AMBIGUOUS):
                self.revoke_label(instance_id, label)

        body = self._request(
            "create_key",
            "POST",
            self._keys_path(instance_id),
            json={"label": label},
            on_retry=on_retry,
        )
        try:
            return CreatedKey(
                key_id=str(body["key_id"]),
                label=str(body["label"]),
                created_at=str(body["created_at"]),
                api_key=str(body["api_key"]),
            )
        except (KeyError, TypeError) as exc:
            raise ServiceUnavailableError("Synap returned a malformed create-key body") from exc

    def list_keys(self, instance_id: str) -> list[ApiKey]:
        """Every key of the instance, active and revoked."""
        body = self._request("list_keys", "GET", self._keys_path(instance_id))
        try:
            return [
                ApiKey(
                    key_id=str(item["key_id"]),
                    label=str(item.get("label", "")),
                    status=str(item["status"]),
                    created_at=str(item["created_at"]),
                    last_used_at=item.get("last_used_at"),
                )
                for item in body["data"]
            ]
        except (KeyError, TypeError) as exc:
            raise ServiceUnavailableError("Synap returned a malformed key list") from exc

    def revoke_key(self, instance_id: str, key_id: str) -> None:
        """Revoke ``key_id``. Idempotent: revoking a revoked key succeeds."""
        path = f"{self._keys_path(instance_id)}/{quote(key_id, safe='')}"
        self._request("revoke_key", "DELETE", path)

    def revoke_label(self, instance_id: str, label: str) -> list[str]:
        """Revoke every active key labelled ``label``; returns the revoked key ids."""
        revoked = []
        for key in self.list_keys(instance_id):
            if key.active and key.label == label:
                self.revoke_key(instance_id, key.key_id)
                revoked.append(key.key_id)
        return revoked

    def verify_key(self, instance_id: str, api_key: str) -> bool:
        """True if Synap accepts ``api_key`` for the instance, False on 401/403."""
        try:
            self._request(
                "verify_key",
                "GET",
                f"/v1/instances/{quote(instance_id, safe='')}",
                bearer=api_key,
                expected=(401, 403),
            )
        except AuthenticationError:
            return False
        return True

    def webhook_config(self, instance_id: str) -> dict[str, Any]:
        """The instance's webhook config (``NotFoundError`` when none is set)."""
        return self._request("webhook_config", "GET", self._webhook_path(instance_id))

    def set_webhook_config(self, instance_id: str, url: str, signing_secret: str) -> dict[str, Any]:
        """Point the instance's webhook at ``url``, signed with ``signing_secret``."""
        body = {"url": url, "signing_secret": signing_secret}
        return self._request("webhook_config", "PUT", self._webhook_path(instance_id), json=body)

    # -- plumbing ----------------------------------------------------------------------

    @staticmethod
    def _webhook_path(instance_id: str) -> str:
        if not instance_id:
            raise InvalidInputError("instance id is empty")
        return f"/v1/instances/{quote(instance_id, safe='')}/webhook"

    @staticmethod
    def _keys_path(instance_id: str) -> str:
        if not instance_id:
            raise InvalidInputError("instance id is empty")
        return f"/v1/instances/{quote(instance_id, safe='')}/api-keys"

    def _request(
        self,
        op: str,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        bearer: str | None = None,
        on_retry: Callable[[SynapError], None] | None = None,
        expected: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        correlation_id = new_correlation_id()
        headers = {
            "Authorization": f"Bearer {bearer or self._admin_key}",
            CORRELATION_HEADER: correlation_id,
        }
        attempt = 0
        while True:
            attempt += 1
            self.calls[op] = self.calls.get(op, 0) + 1
            error: SynapError
            try:
                response = self._http.request(
                    method, self.base_url + path, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                error = error_from_transport(exc, correlation_id)
            else:
                if response.is_success:
                    return self._json(response)
                error = error_from_response(response, now=self._clock())
            delay = self.retry.delay_after(error, attempt)
            if error.status_code in expected:
                raise error
            log.warning(
                "synap %s failed: %s",
                op,
                error.message,
                extra={
                    "correlation_id": error.correlation_id,
                    "op": op,
                    "attempt": attempt,
                    "transient": error.transient,
                    "retry_in": delay,
                },
            )
            if delay is None:
                raise error
            self._sleep(delay)
            if on_retry is not None:
                on_retry(error)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as exc:
            raise ServiceUnavailableError(
                "Synap returned a body that is not JSON",
                correlation_id=response.headers.get(CORRELATION_HEADER),
            ) from exc
        return body if isinstance(body, dict) else {"data": body}
