"""HTTP of the Synap emulator: the route table, request parsing, auth and the answers.

Routes (admin routes need ``Authorization: Bearer <admin key>``):

    GET    /v1/instances/{id}                       verify key (Bearer API key) -> 200/401
    POST   /v1/instances/{id}/api-keys              create {"label"}            -> 201
    GET    /v1/instances/{id}/api-keys              list                        -> 200
    DELETE /v1/instances/{id}/api-keys/{key_id}     revoke (idempotent)         -> 204
    POST   /_emulator/faults | DELETE /_emulator/faults   inject / clear faults
    POST   /_emulator/instances                     add an instance with one key
    POST   /_emulator/clock {"advance_seconds"}     move the emulator's clock
    GET    /_emulator/stats                         requests and faults per operation
    GET    /_emulator/health                        readiness, no auth
    ... plus memories.create, context.fetch and webhook config: ``memory_routes.py``

State and its rules live in ``store.py`` and ``memory_store.py``; this module only maps
requests to them and their results (or :class:`HttpError`) to answers.
"""

from __future__ import annotations

import hmac
import json
import re
import socket
import struct
import uuid
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from rotation.emulator.errors import HttpError
from rotation.emulator.faults import Fault, FaultError, parse_fault
from rotation.emulator.host import EmulatorHTTPServer
from rotation.emulator.memory_routes import MemoryRoutes, memory_routes

__all__ = ["CORRELATION_HEADER", "MAX_BODY", "ROUTES", "Handler", "Route"]

CORRELATION_HEADER = "X-Correlation-Id"
MAX_BODY = 64 * 1024
_FAULT_MESSAGES = {429: "rate limit exceeded", 500: "internal error", 503: "service unavailable"}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    op: str
    handler: str
    admin: bool


_ID = r"([A-Za-z0-9_.:-]{1,128})"
ROUTES = [
    Route("GET", re.compile(rf"^/v1/instances/{_ID}$"), "verify_key", "_verify", False),
    Route("POST", re.compile(rf"^/v1/instances/{_ID}/api-keys$"), "create_key", "_create", True),
    Route("GET", re.compile(rf"^/v1/instances/{_ID}/api-keys$"), "list_keys", "_list", True),
    Route(
        "DELETE",
        re.compile(rf"^/v1/instances/{_ID}/api-keys/{_ID}$"),
        "revoke_key",
        "_revoke",
        True,
    ),
    Route("POST", re.compile(r"^/_emulator/faults$"), "_faults", "_add_fault", True),
    Route("DELETE", re.compile(r"^/_emulator/faults$"), "_faults", "_clear_faults", True),
    Route("GET", re.compile(r"^/_emulator/faults$"), "_faults", "_list_faults", True),
    Route("POST", re.compile(r"^/_emulator/instances$"), "_admin", "_add_instance", True),
    Route("POST", re.compile(r"^/_emulator/clock$"), "_admin", "_advance_clock", True),
    Route("GET", re.compile(r"^/_emulator/stats$"), "_admin", "_stats", True),
    Route("GET", re.compile(r"^/_emulator/health$"), "_health", "_health", False),
    *(Route(*route) for route in memory_routes(_ID)),
]


def find_route(method: str, path: str) -> tuple[Route, tuple[str, ...]]:
    """The route for ``method`` and ``path`` and its captured ids; 405 or 404 otherwise."""
    allowed = False
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            if route.method == method:
                return route, match.groups()
            allowed = True
    if allowed:
        raise HttpError(405, "method not allowed", "method_not_allowed")
    raise HttpError(404, "no such endpoint", "not_found", {"path": path[:200]})


class Handler(MemoryRoutes, BaseHTTPRequestHandler):
    """One connection of the emulator (HTTP/1.1 keep-alive); one method per route."""

    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    # http.server logs every request to stderr; the emulator keeps quiet.
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # -- dispatch -------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        self.correlation_id = self.headers.get(CORRELATION_HEADER) or f"emu-{uuid.uuid4().hex}"
        path = self.path.split("?", 1)[0]
        try:
            self._answer(method, path)
        except HttpError as err:
            self._send(err.status, err.body())
        except (BrokenPipeError, ConnectionResetError):
            return

    def _answer(self, method: str, path: str) -> None:
        """Route, authorise, apply a pending fault before or after the route runs, answer."""
        body = self._read_body()
        route, groups = find_route(method, path)
        emulator = self.server.emulator
        emulator.count(route.op)
        if route.admin:
            self._require_admin()
        fault = emulator.faults.take(route.op)
        if fault and fault.phase == "before":
            self._apply_fault(fault)
            return
        status, payload = getattr(self, route.handler)(groups, body)
        if fault:
            self._apply_fault(fault)
            return
        self._send(status, payload)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise HttpError(413, "request body too large", "payload_too_large")
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise HttpError(400, "request body is not valid JSON", "invalid_json") from exc

    def _bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) <= 7:
            raise HttpError(401, "missing bearer token", "unauthenticated")
        return auth[7:]

    def _require_admin(self) -> None:
        token = self._bearer()
        if not hmac.compare_digest(token.encode(), self.server.emulator.admin_key.encode()):
            raise HttpError(401, "invalid admin key", "unauthenticated")

    def _require_instance(self, instance_id: str) -> None:
        if not self.server.emulator.store.has_instance(instance_id):
            raise HttpError(
                404, "unknown instance", "instance_not_found", {"instance_id": instance_id}
            )

    # -- faults -------------------------------------------------------------------------

    def _apply_fault(self, fault: Fault) -> None:
        if fault.kind == "timeout":
            # Hold the request open without answering, then drop it; the client's read
            # timeout fires first. Stopping the server releases the wait at once.
            self.server.emulator.stopping.wait(fault.delay)
            self._reset()
            return
        if fault.kind == "reset":
            self._reset()
            return
        status = int(fault.kind)
        headers = {"Retry-After": f"{fault.retry_after:g}"} if status == 429 else {}
        self._send(
            status,
            {"error": _FAULT_MESSAGES[status], "code": f"injected_{fault.kind}", "details": None},
            headers,
        )

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # -- key endpoints ------------------------------------------------------------------

    def _verify(self, groups: tuple[str, ...], _: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._require_instance(instance_id)
        if not self.server.emulator.store.authenticate(instance_id, self._bearer()):
            raise HttpError(401, "invalid or revoked API key", "unauthenticated")
        return 200, {"instance_id": instance_id, "status": "active"}

    def _create(self, groups: tuple[str, ...], body: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._require_instance(instance_id)
        label = body.get("label") if isinstance(body, dict) else None
        if not isinstance(label, str) or not 1 <= len(label) <= 200:
            raise HttpError(400, "label must be a string of 1..200 characters", "invalid_label")
        record, value = self.server.emulator.store.create_key(instance_id, label)
        return 201, {
            "key_id": record.key_id,
            "api_key": value,
            "label": record.label,
            "created_at": record.created_at,
        }

    def _list(self, groups: tuple[str, ...], _: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._require_instance(instance_id)
        keys = self.server.emulator.store.list_keys(instance_id)
        return 200, {"data": [k.public() for k in keys]}

    def _revoke(self, groups: tuple[str, ...], _: Any) -> tuple[int, Any]:
        instance_id, key_id = groups
        self._require_instance(instance_id)
        if not self.server.emulator.store.revoke_key(instance_id, key_id):
            raise HttpError(404, "unknown key", "key_not_found", {"key_id": key_id})
        return 204, None

    # -- emulator control -------------------------------------------------------------

    def _add_fault(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        try:
            fault = parse_fault(body)
        except FaultError as exc:
            raise HttpError(400, str(exc), "invalid_fault") from exc
        self.server.emulator.faults.add(fault)
        return 201, asdict(fault)

    def _clear_faults(self, _: tuple[str, ...], __: Any) -> tuple[int, Any]:
        self.server.emulator.faults.clear()
        return 204, None

    def _list_faults(self, _: tuple[str, ...], __: Any) -> tuple[int, Any]:
        return 200, {"data": self.server.emulator.faults.pending()}

    def _add_instance(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        wanted = body.get("instance_id") if isinstance(body, dict) else None
        return 201, asdict(self.server.emulator.seed_instance(wanted))

    def _advance_clock(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        try:
            seconds = float(body["advance_seconds"])
        except (TypeError, KeyError, ValueError) as exc:
            raise HttpError(400, "advance_seconds must be a number", "invalid_clock") from exc
        return 200, {"now": self.server.emulator.store.advance_clock(seconds)}

    def _stats(self, _: tuple[str, ...], __: Any) -> tuple[int, Any]:
        emu = self.server.emulator
        return 200, {"requests": dict(emu.requests), "faults_fired": dict(emu.faults.fired)}

    def _health(self, _: tuple[str, ...], __: Any) -> tuple[int, Any]:
        return 200, {"status": "ok"}

    # -- output -------------------------------------------------------------------------

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header(CORRELATION_HEADER, self.correlation_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)
