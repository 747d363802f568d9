"""A minimal client for Synap's memory calls, keyed by a :class:`KeyProvider`.

Enough for application tests, the demo and the emulator: ``memories.create`` and
``context.fetch`` (fast or accurate) over HTTP with the checklist's timeouts. Errors
are translated at this boundary into :mod:`rotation.exceptions`, the same tree the
admin client raises, so :class:`SynapCallGuard` classifies both alike. A 401 is
handled by ``KeyProvider.call``: one refresh, one retry. No other retries here: the
guard degrades on a transient failure instead of holding the caller's request.
"""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import quote

import httpx

from rotation.consumer.provider import KeyProvider, SynapKey
from rotation.exceptions import InvalidInputError, ServiceUnavailableError, new_correlation_id
from rotation.synap_client import (
    CORRELATION_HEADER,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    error_from_response,
    error_from_transport,
    validate_base_url,
)

__all__ = ["Mode", "SynapMemoryClient"]

Mode = Literal["fast", "accurate"]


class SynapMemoryClient:
    """``create_memory`` and ``fetch_context`` for the instance the key belongs to."""

    def __init__(
        self,
        base_url: str,
        provider: KeyProvider,
        *,
        instance_id: str | None = None,
        client: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = validate_base_url(base_url)
        self.provider = provider
        self._instance_id = instance_id
        self._owns_client = client is None
        self._http = client or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})

    def __repr__(self) -> str:
        return f"SynapMemoryClient(base_url={self.base_url!r})"

    def __enter__(self) -> SynapMemoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def create_memory(
        self, content: str, *, user_id: str | None = None, mode: Mode = "fast"
    ) -> dict[str, Any]:
        """``memories.create``: store ``content``; returns ``{"memory_id", "created_at"}``."""
        if not content:
            raise InvalidInputError("memory content is empty")
        body = {"content": content, "user_id": user_id, "mode": mode}
        return self.provider.call(lambda key: self._post(key, "memories", body))

    def fetch_context(
        self,
        query: str,
        *,
        mode: Mode = "fast",
        user_id: str | None = None,
        max_results: int = 10,
    ) -> list[dict[str, Any]]:
        """``context.fetch``: the memories matching ``query`` (may be empty)."""
        body = {"query": query, "mode": mode, "user_id": user_id, "max_results": max_results}
        answer = self.provider.call(lambda key: self._post(key, "context/fetch", body))
        items = answer.get("items")
        if not isinstance(items, list):
            raise ServiceUnavailableError("Synap returned a context without items")
        return [item for item in items if isinstance(item, dict)]

    def _post(self, key: SynapKey, path: str, body: dict[str, Any]) -> dict[str, Any]:
        instance_id = self._instance_id or key.instance_id
        if not instance_id:
            raise InvalidInputError("no instance id: the secret has none and none was given")
        correlation_id = new_correlation_id()
        url = f"{self.base_url}/v1/instances/{quote(instance_id, safe='')}/{path}"
        headers = {"Authorization": f"Bearer {key.api_key}", CORRELATION_HEADER: correlation_id}
        try:
            response = self._http.post(url, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, correlation_id) from exc
        if not response.is_success:
            raise error_from_response(response, now=time.time())
        try:
            data = response.json()
        except ValueError as exc:
            raise ServiceUnavailableError(
                "Synap returned a body that is not JSON",
                correlation_id=response.headers.get(CORRELATION_HEADER),
            ) from exc
        if not isinstance(data, dict):
            raise ServiceUnavailableError("Synap returned a body that is not an object")
        return data
