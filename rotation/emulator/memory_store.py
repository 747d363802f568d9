"""In-memory state of the emulator's memory and webhook endpoints, and injected latency.

Memories and webhook configs do not survive a restart, unlike keys (``store.py``).
No HTTP here: ``memory_routes.py`` parses requests and maps these results to answers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LATENCY_OPS", "MEMORY_MODES", "Memory", "MemoryState", "WebhookConfig"]

MEMORY_MODES = ("fast", "accurate")
#: The operations whose answers can be delayed with ``POST /_emulator/latency``.
LATENCY_OPS = ("memories_create", "context_fetch")
_WORD = re.compile(r"[a-z0-9]{2,}")


@dataclass(frozen=True)
class Memory:
    memory_id: str
    user_id: str | None
    content: str
    created_at: str


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    signing_secret: str = field(repr=False)
    updated_at: str

    def public(self) -> dict[str, Any]:
        digest = hashlib.sha256(self.signing_secret.encode()).hexdigest()[:16]
        return {"url": self.url, "secret_fingerprint": digest, "updated_at": self.updated_at}


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _score(wanted: set[str], content: str, mode: str) -> int:
    """Words of the query found in ``content``; ``accurate`` also counts a shared 4-letter stem."""
    have = _words(content)
    hits = len(wanted & have)
    if mode == "accurate":
        stems = {w[:4] for w in have if len(w) >= 4}
        hits += sum(1 for w in wanted - have if len(w) >= 4 and w[:4] in stems)
    return hits


class MemoryState:
    """Memories, webhook configs and injected latency; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memories: dict[str, list[Memory]] = {}
        self._webhooks: dict[str, WebhookConfig] = {}
        self._latency: dict[tuple[str, str], float] = {}

    def add(self, instance_id: str, content: str, user_id: str | None, now: str) -> Memory:
        memory = Memory("mem_" + secrets.token_hex(8), user_id, content, now)
        with self._lock:
            self._memories.setdefault(instance_id, []).append(memory)
        return memory

    def search(
        self, instance_id: str, query: str, mode: str, user_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Word-overlap scoring; ``accurate`` also matches words sharing a 4-letter stem."""
        wanted = _words(query)
        with self._lock:
            candidates = list(self._memories.get(instance_id, []))
        scored = []
        for memory in candidates:
            if user_id is not None and memory.user_id != user_id:
                continue
            hits = _score(wanted, memory.content, mode)
            if hits and wanted:
                scored.append((hits / len(wanted), memory))
        scored.sort(key=lambda pair: -pair[0])
        return [
            {"memory_id": m.memory_id, "content": m.content, "score": round(s, 3)}
            for s, m in scored[:limit]
        ]

    def set_webhook(self, instance_id: str, config: WebhookConfig) -> None:
        with self._lock:
            self._webhooks[instance_id] = config

    def webhook(self, instance_id: str) -> WebhookConfig | None:
        with self._lock:
            return self._webhooks.get(instance_id)

    def set_latency(self, op: str, mode: str, ms: float) -> None:
        with self._lock:
            self._latency[(op, mode)] = ms

    def clear_latency(self) -> None:
        with self._lock:
            self._latency.clear()

    def latency_seconds(self, op: str, mode: str) -> float:
        with self._lock:
            ms = self._latency.get((op, mode), self._latency.get((op, "*"), 0.0))
        return ms / 1000.0
