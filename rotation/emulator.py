"""A local Synap emulator: a real HTTP server on 127.0.0.1 with SQLite state.

It implements the key-management contract of DESIGN.md so that tests, the demo
and the benchmarks talk HTTP to something that behaves like the service, and
it can be told to fail (``POST /_emulator/faults``). Start it with
``synap-rotation emulator --port 0 --state FILE`` or, in-process::

    with EmulatorServer(":memory:") as emu:
        print(emu.url, emu.seed.instance_id)

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
    ... plus memories.create, context.fetch and webhook config: rotation/emulator_memory.py
"""

from __future__ import annotations

import hmac
import json
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rotation.emulator_faults import Fault, FaultError, FaultTable, parse_fault
from rotation.emulator_http import HttpError as _HttpError
from rotation.emulator_memory import MemoryRoutes, MemoryState, memory_routes
from rotation.emulator_store import EmulatorStore

__all__ = ["EmulatorServer", "SeedInfo"]

CORRELATION_HEADER = "X-Correlation-Id"
MAX_BODY = 64 * 1024
SEED_LABEL = "seed"


@dataclass(frozen=True)
class SeedInfo:
    """What the ready line prints: where the emulator is and the seeded credentials."""

    url: str
    admin_key: str
    instance_id: str
    api_key: str | None
    key_id: str


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    op: str
    handler: str
    admin: bool


_ID = r"([A-Za-z0-9_.:-]{1,128})"
_ROUTES = [
    _Route("GET", re.compile(rf"^/v1/instances/{_ID}$"), "verify_key", "_verify", False),
    _Route("POST", re.compile(rf"^/v1/instances/{_ID}/api-keys$"), "create_key", "_create", True),
    _Route("GET", re.compile(rf"^/v1/instances/{_ID}/api-keys$"), "list_keys", "_list", True),
    _Route(
        "DELETE",
        re.compile(rf"^/v1/instances/{_ID}/api-keys/{_ID}$"),
        "revoke_key",
        "_revoke",
        True,
    ),
    _Route("POST", re.compile(r"^/_emulator/faults$"), "_faults", "_add_fault", True),
    _Route("DELETE", re.compile(r"^/_emulator/faults$"), "_faults", "_clear_faults", True),
    _Route("GET", re.compile(r"^/_emulator/faults$"), "_faults", "_list_faults", True),
    _Route("POST", re.compile(r"^/_emulator/instances$"), "_admin", "_add_instance", True),
    _Route("POST", re.compile(r"^/_emulator/clock$"), "_admin", "_advance_clock", True),
    _Route("GET", re.compile(r"^/_emulator/stats$"), "_admin", "_stats", True),
    _Route("GET", re.compile(r"^/_emulator/health$"), "_health", "_health", False),
    *(_Route(*route) for route in memory_routes(_ID)),
]


class _Handler(MemoryRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs
    # stall every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

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
            body = self._read_body()
            route, groups = self._route(method, path)
            self.server.emulator.count(route.op)
            if route.admin:
                self._require_admin()
            fault = self.server.emulator.faults.take(route.op)
            if fault and fault.phase == "before":
                self._apply_fault(fault)
                return
            status, payload = getattr(self, route.handler)(groups, body)
            if fault:
                self._apply_fault(fault)
                return
            self._send(status, payload)
        except _HttpError as err:
            self._send(err.status, {"error": err.message, "code": err.code, "details": err.details})
        except (BrokenPipeError, ConnectionResetError):
            return

    def _route(self, method: str, path: str) -> tuple[_Route, tuple[str, ...]]:
        allowed = False
        for route in _ROUTES:
            match = route.pattern.match(path)
            if match:
                if route.method == method:
                    return route, match.groups()
                allowed = True
        if allowed:
            raise _HttpError(405, "method not allowed", "method_not_allowed")
        raise _HttpError(404, "no such endpoint", "not_found", {"path": path[:200]})

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise _HttpError(413, "request body too large", "payload_too_large")
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise _HttpError(400, "request body is not valid JSON", "invalid_json") from exc

    def _bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) <= 7:
            raise _HttpError(401, "missing bearer token", "unauthenticated")
        return auth[7:]

    def _require_admin(self) -> None:
        token = self._bearer()
        if not hmac.compare_digest(token.encode(), self.server.emulator.admin_key.encode()):
            raise _HttpError(401, "invalid admin key", "unauthenticated")

    def _require_instance(self, instance_id: str) -> None:
        if not self.server.emulator.store.has_instance(instance_id):
            raise _HttpError(
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
        message = {429: "rate limit exceeded", 500: "internal error", 503: "service unavailable"}
        self._send(
            status,
            {"error": message[status], "code": f"injected_{fault.kind}", "details": None},
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
            raise _HttpError(401, "invalid or revoked API key", "unauthenticated")
        return 200, {"instance_id": instance_id, "status": "active"}

    def _create(self, groups: tuple[str, ...], body: Any) -> tuple[int, Any]:
        (instance_id,) = groups
        self._require_instance(instance_id)
        label = body.get("label") if isinstance(body, dict) else None
        if not isinstance(label, str) or not 1 <= len(label) <= 200:
            raise _HttpError(400, "label must be a string of 1..200 characters", "invalid_label")
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
            raise _HttpError(404, "unknown key", "key_not_found", {"key_id": key_id})
        return 204, None

    # -- emulator control -------------------------------------------------------------

    def _add_fault(self, _: tuple[str, ...], body: Any) -> tuple[int, Any]:
        try:
            fault = parse_fault(body)
        except FaultError as exc:
            raise _HttpError(400, str(exc), "invalid_fault") from exc
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
            raise _HttpError(400, "advance_seconds must be a number", "invalid_clock") from exc
        self.server.emulator.store.clock_offset += seconds
        return 200, {"now": self.server.emulator.store.now()}

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: EmulatorServer


class EmulatorServer:
    """Owns the HTTP server thread and the state. Use as a context manager."""

    def __init__(
        self,
        state: str | Path = ":memory:",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        instance_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = EmulatorStore(state, clock=clock)
        self.faults = FaultTable()
        self.memory = MemoryState()
        self.stopping = threading.Event()
        self.requests: dict[str, int] = {}
        self._count_lock = threading.Lock()
        self.admin_key = self.store.admin_key()
        self._http = _Server((host, port), _Handler)
        self._http.emulator = self
        self._thread: threading.Thread | None = None
        self.seed = self._seed(instance_id)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self, op: str) -> None:
        with self._count_lock:
            self.requests[op] = self.requests.get(op, 0) + 1

    def seed_instance(self, instance_id: str | None = None) -> SeedInfo:
        """Create an instance (if new) with one active key and return its credentials."""
        instance_id = self.store.add_instance(instance_id)
        record, value = self.store.create_key(instance_id, SEED_LABEL)
        return SeedInfo(self.url, self.admin_key, instance_id, value, record.key_id)

    def _seed(self, instance_id: str | None) -> SeedInfo:
        existing = self.store.instances()
        if existing and (instance_id is None or instance_id in existing):
            chosen = instance_id or existing[0]
            keys = [k for k in self.store.list_keys(chosen) if k.label == SEED_LABEL]
            key_id = keys[0].key_id if keys else ""
            return SeedInfo(self.url, self.admin_key, chosen, None, key_id)
        return self.seed_instance(instance_id)

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
