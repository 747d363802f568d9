"""Memory and webhook endpoints of the Synap emulator, for the consumer tests and the demo.

HTTP only: mixed into the emulator's request handler (``routes.py``); the state lives in
:class:`~rotation.emulator.memory_store.MemoryState`. Routes:

    POST   /v1/instances/{id}/memories        memories.create (Bearer API key)       -> 201
    POST   /v1/instances/{id}/context/fetch   context.fetch {"query","mode"}         -> 200
    PUT    /v1/instances/{id}/webhook         webhook config {"url","signing_secret"} (admin)
    GET    /v1/instances/{id}/webhook         webhook config without the secret      (admin)
    POST   /_emulator/webhooks/deliver        sign an event and POST it to the configured URL
    POST   /_emulator/latency                 {"op","mode","ms"}: hold matching calls that long
    DELETE /_emulator/latency                 clear injected latency

Errors are injected with the emulator's fault table (ops ``memories_create``,
``context_fetch``, ``webhook_config``). Webhook URLs must be loopback: the emulator
never calls out of the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from rotation.emulator.errors import HttpError
from rotation.emulator.host import EmulatorHTTPServer
from rotation.emulator.memory_store import LATENCY_OPS, MEMORY_MODES, WebhookConfig

__all__ = ["SIGNATURE_HEADER", "MemoryRoutes", "memory_routes"]

SIGNATURE_HEADER = "X-Synap-Signature"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def memory_routes(id_pattern: str) -> list[tuple[str, re.Pattern[str], str, str, bool]]:
    """``(method, path pattern, fault op, handler method, admin?)`` for the emulator's table."""
    inst = rf"/v1/instances/{id_pattern}"
    return [
        ("POST", re.compile(rf"^{inst}/memories$"), "memories_create", "_memories_create", False),
        ("POST", re.compile(rf"^{inst}/context/fetch$"), "context_fetch", "_context_fetch", False),
        ("PUT", re.compile(rf"^{inst}/webhook$"), "webhook_config", "_put_webhook", True),
        ("GET", re.compile(rf"^{inst}/webhook$"), "webhook_config", "_get_webhook", True),
        ("POST", re.compile(r"^/_emulator/webhooks/deliver$"), "_admin", "_deliver_webhook", True),
        ("POST", re.compile(r"^/_emulator/latency$"), "_admin", "_set_latency", True),
        ("DELETE", re.compile(r"^/_emulator/latency$"), "_admin", "_clear_latency", True),
    ]


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HttpError(400, "body must be a JSON object", "invalid_body")
    return body


def _mode(body: dict[str, Any]) -> str:
    mode = body.get("mode", "fast")
    if mode not in MEMORY_MODES:
        raise HttpError(400, "mode must be 'fast' or 'accurate'", "invalid_mode")
    return str(mode)


def _user(body: dict[str, Any]) -> str | None:
    user = body.get("user_id")
    if user is not None and not isinstance(user, str):
        raise HttpError(400, "user_id must be a string", "invalid_user_id")
    return user


def _webhook_target(data: dict[str, Any]) -> tuple[str, str]:
    """The ``url`` and ``signing_secret`` of a webhook config body, checked."""
    url, secret = data.get("url"), data.get("signing_secret")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or parts.hostname is None:
        raise HttpError(400, "url must be an http(s) URL", "invalid_url")
    if parts.hostname not in _LOOPBACK:
        raise HttpError(400, "the emulator only delivers to loopback", "invalid_url")
    if not isinstance(secret, str) or len(secret) < 16:
        raise HttpError(400, "signing_secret must be >= 16 chars", "invalid_secret")
    return str(url), secret


def _post_signed(config: WebhookConfig, event: dict[str, Any]) -> dict[str, Any]:
    """POST ``event`` to the webhook, signed with its secret; the delivery's outcome."""
    raw = httpx.Request("POST", config.url, json=event).content
    digest = hmac.new(config.signing_secret.encode(), raw, hashlib.sha256).hexdigest()
    try:
        answer = httpx.post(
            config.url,
            content=raw,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={digest}"},
            timeout=5.0,
        )
    except httpx.HTTPError as exc:
        return {"event_id": event["event_id"], "status_code": None, "error": type(exc).__name__}
    return {"event_id": event["event_id"], "status_code": answer.status_code}


class MemoryRoutes:
    """Handler methods for :func:`memory_routes`, mixed into the emulator's handler."""

    if TYPE_CHECKING:
        server: EmulatorHTTPServer

        def _bearer(self) -> str: ...
        def _require_instance(self, instance_id: str) -> None: ...

    def _authenticate(self, instance_id: str) -> None:
        self._require_instance(instance_id)
        if not self.server.emulator.store.authenticate(instance_id, self._bearer()):
            raise HttpError(401, "invalid or revoked API key", "unauthenticated")

    def _hold(self, op: str, mode: str) -> None:
        delay = self.server.emulator.memory.latency_seconds(op, mode)
        if delay > 0:
            # Interruptible: stopping the emulator releases every held request at once.
            self.server.emulator.stopping.wait(delay)

    def _memories_create(self, groups: tuple[str, ...], body: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._authenticate(instance_id)
        data = _body(body)
        content = data.get("content")
        if not isinstance(content, str) or not 1 <= len(content) <= 16_000:
            raise HttpError(400, "content must be 1..16000 characters", "invalid_content")
        mode = _mode(data)
        self._hold("memories_create", mode)
        emu = self.server.emulator
        memory = emu.memory.add(instance_id, content, _user(data), emu.store.now())
        return 201, {"memory_id": memory.memory_id, "created_at": memory.created_at, "mode": mode}

    def _context_fetch(self, groups: tuple[str, ...], body: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._authenticate(instance_id)
        data = _body(body)
        query = data.get("query")
        if not isinstance(query, str) or not query.strip():
            raise HttpError(400, "query must be a non-empty string", "invalid_query")
        limit = data.get("max_results", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
            raise HttpError(400, "max_results must be 1..100", "invalid_max_results")
        mode = _mode(data)
        self._hold("context_fetch", mode)
        items = self.server.emulator.memory.search(instance_id, query, mode, _user(data), limit)
        return 200, {"items": items, "mode": mode}

    def _put_webhook(self, groups: tuple[str, ...], body: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._require_instance(instance_id)
        url, secret = _webhook_target(_body(body))
        config = WebhookConfig(url, secret, self.server.emulator.store.now())
        self.server.emulator.memory.set_webhook(instance_id, config)
        return 200, config.public()

    def _configured_webhook(self, instance_id: str) -> WebhookConfig:
        self._require_instance(instance_id)
        config = self.server.emulator.memory.webhook(instance_id)
        if config is None:
            raise HttpError(404, "no webhook configured", "webhook_not_found")
        return config

    def _get_webhook(self, groups: tuple[str, ...], _: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        return 200, self._configured_webhook(instance_id).public()

    def _deliver_webhook(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        data = _body(body)
        instance_id = str(data.get("instance_id", ""))
        config = self._configured_webhook(instance_id)
        event = {
            "event_id": "evt_" + secrets.token_hex(8),
            "event_type": str(data.get("event_type", "memory.created")),
            "timestamp": self.server.emulator.store.now(),
            "instance_id": instance_id,
            "data": data.get("data", {}),
        }
        return 200, _post_signed(config, event)

    def _set_latency(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        data = _body(body)
        op, mode, ms = data.get("op"), data.get("mode", "*"), data.get("ms")
        if op not in LATENCY_OPS:
            raise HttpError(400, "op must be memories_create or context_fetch", "invalid_op")
        if mode not in (*MEMORY_MODES, "*"):
            raise HttpError(400, "mode must be fast, accurate or *", "invalid_mode")
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms <= 60_000:
            raise HttpError(400, "ms must be a number within 0..60000", "invalid_latency")
        self.server.emulator.memory.set_latency(op, mode, float(ms))
        return 201, {"op": op, "mode": mode, "ms": ms}

    def _clear_latency(self, _: tuple[str, ...], __: Any) -> tuple[int, Any]:
        self.server.emulator.memory.clear_latency()
        return 204, None
