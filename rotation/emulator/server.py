"""The emulator's server: the HTTP thread, its state, and the seeded credentials."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from rotation.emulator.faults import FaultTable
from rotation.emulator.host import EmulatorHTTPServer, SeedInfo
from rotation.emulator.memory_store import MemoryState
from rotation.emulator.routes import Handler
from rotation.emulator.store import EmulatorStore

__all__ = ["SEED_LABEL", "EmulatorHTTPServer", "EmulatorServer", "SeedInfo"]

SEED_LABEL = "seed"


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
        self._http = EmulatorHTTPServer((host, port), Handler)
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
