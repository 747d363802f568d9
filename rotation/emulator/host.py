"""What the HTTP routes see of the emulator: the server type and the state it carries.

The routes (``routes.py``, ``memory_routes.py``) read the state through
``self.server.emulator``, typed by the :class:`Emulator` protocol here; ``server.py``
implements it and builds the routes' handler. So routes and server never import each other.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Protocol

from rotation.emulator.faults import FaultTable
from rotation.emulator.memory_store import MemoryState
from rotation.emulator.store import EmulatorStore

__all__ = ["Emulator", "EmulatorHTTPServer", "SeedInfo"]


@dataclass(frozen=True)
class SeedInfo:
    """What the ready line prints: where the emulator is and the seeded credentials."""

    url: str
    admin_key: str
    instance_id: str
    api_key: str | None
    key_id: str


class Emulator(Protocol):
    """The state and counters a request handler reaches (``EmulatorServer`` has them)."""

    admin_key: str
    store: EmulatorStore
    faults: FaultTable
    memory: MemoryState
    stopping: threading.Event
    #: Requests answered per operation (``GET /_emulator/stats``).
    requests: dict[str, int]

    def count(self, op: str) -> None: ...
    def seed_instance(self, instance_id: str | None = None) -> SeedInfo: ...


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A thread per connection; each handler reaches the state through ``emulator``."""

    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        conn, addr = super().get_request()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs
        # stall every keep-alive response by ~40 ms.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr
