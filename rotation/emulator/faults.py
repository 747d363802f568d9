"""Fault injection for the Synap emulator: what to break, how often, and how.

Pure bookkeeping; the routes (``routes.py``) apply the decision. A fault matches an operation
name (or ``*``), fires ``count`` times, then disappears. ``phase`` says whether the
request is refused before it takes effect (``before``, default) or applied and then
answered with the fault (``after``: the lost-response case that makes orphans).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

__all__ = ["FAULT_KINDS", "FAULT_OPS", "Fault", "FaultError", "FaultTable", "parse_fault"]

FaultKind = Literal["500", "503", "429", "timeout", "reset"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
FAULT_OPS: tuple[str, ...] = (
    "create_key",
    "list_keys",
    "revoke_key",
    "verify_key",
    "memories_create",
    "context_fetch",
    "webhook_config",
    "*",
)


class FaultError(ValueError):
    """A fault request that cannot be applied (unknown op or kind, bad count)."""


@dataclass
class Fault:
    op: str
    kind: str
    count: int
    retry_after: float = 1.0
    phase: str = "before"
    #: how long a ``timeout`` fault holds the connection before dropping it
    delay: float = 60.0


def parse_fault(body: Any) -> Fault:
    """Validate a ``POST /_emulator/faults`` body."""
    if not isinstance(body, dict):
        raise FaultError("fault must be a JSON object")
    op = body.get("op", "*")
    kind = str(body.get("kind", ""))
    if op not in FAULT_OPS:
        raise FaultError(f"unknown op {op!r}; one of {', '.join(FAULT_OPS)}")
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
    try:
        count = int(body.get("count", 1))
        retry_after = float(body.get("retry_after", 1))
        delay = float(body.get("delay", 60))
    except (TypeError, ValueError) as exc:
        raise FaultError("count, retry_after and delay must be numbers") from exc
    if count < 1 or retry_after < 0 or delay < 0:
        raise FaultError("count must be >= 1, retry_after and delay >= 0")
    phase = body.get("phase", "before")
    if phase not in ("before", "after"):
        raise FaultError("phase must be 'before' or 'after'")
    return Fault(op, kind, count, retry_after, phase, delay)


class FaultTable:
    """Pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: dict[str, int] = {}

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, op: str) -> Fault | None:
        """Consume one firing of the first fault matching ``op``."""
        with self._lock:
            for fault in self._faults:
                if fault.op in (op, "*"):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.fired[op] = self.fired.get(op, 0) + 1
                    return fault
        return None
