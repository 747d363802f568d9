"""SQLite state of the Synap emulator: instances and keys (only SHA-256 of keys).

The emulator's own admin key is kept in its state file so that a restart with
the same ``--state`` can print it again; API keys are stored only as hashes,
so a restart prints ``api_key: null`` for the seeded key. No HTTP here: ``routes.py``
maps these results to answers.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rotation.keys import fingerprint, generate_key

__all__ = ["EmulatorStore", "KeyRecord", "iso"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (instance_id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES instances(instance_id),
    label TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS keys_instance ON keys(instance_id);
"""


def iso(ts: float) -> str:
    """RFC 3339 UTC timestamp with a Z suffix."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    instance_id: str
    label: str
    status: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    def public(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "label": self.label,
            "status": self.status,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
        }


class EmulatorStore:
    """Thread-safe access to the emulator's SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self.clock = clock
        self.clock_offset = 0.0
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def now(self) -> str:
        return iso(self.clock() + self.clock_offset)

    def advance_clock(self, seconds: float) -> str:
        """Move the emulator's clock forward (or back); returns the new now."""
        self.clock_offset += seconds
        return self.now()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta -------------------------------------------------------------------------

    def admin_key(self) -> str:
        """The emulator's admin key, made on first use."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name='admin_key'").fetchone()
            if row:
                return str(row["value"])
            key = "synap_admin_" + secrets.token_urlsafe(32)
            self._db.execute("INSERT INTO meta VALUES ('admin_key', ?)", (key,))
            return key

    # -- instances ----------------------------------------------------------------------

    def instances(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT instance_id FROM instances ORDER BY created_at")
            return [str(r["instance_id"]) for r in rows]

    def has_instance(self, instance_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM instances WHERE instance_id=?", (instance_id,)
            ).fetchone()
            return row is not None

    def add_instance(self, instance_id: str | None = None) -> str:
        instance_id = instance_id or "inst_" + secrets.token_hex(8)  # Synap: inst_<hex16>
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO instances VALUES (?, ?)", (instance_id, self.now())
            )
        return instance_id

    # -- keys -------------------------------------------------------------------------------

    def create_key(self, instance_id: str, label: str) -> tuple[KeyRecord, str]:
        """Mint a key; returns its record and the only copy of its value."""
        value = generate_key()
        key_id = "key_" + secrets.token_hex(8)
        now = self.now()
        with self._lock:
            self._db.execute(
                "INSERT INTO keys VALUES (?, ?, ?, ?, 'active', ?, NULL, NULL)",
                (key_id, instance_id, label, fingerprint(value), now),
            )
        record = KeyRecord(key_id, instance_id, label, "active", now, None, None)
        return record, value

    def list_keys(self, instance_id: str) -> list[KeyRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM keys WHERE instance_id=? ORDER BY created_at, key_id",
                (instance_id,),
            ).fetchall()
        return [self._record(r) for r in rows]

    def revoke_key(self, instance_id: str, key_id: str) -> bool:
        """Revoke; False if no such key. Revoking twice keeps the first revoked_at."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE keys SET status='revoked', revoked_at=COALESCE(revoked_at, ?) "
                "WHERE instance_id=? AND key_id=?",
                (self.now(), instance_id, key_id),
            )
            return cur.rowcount > 0

    def authenticate(self, instance_id: str, value: str, *, touch: bool = True) -> bool:
        """True if ``value`` is an active key of the instance; records the use."""
        digest = fingerprint(value)
        with self._lock:
            row = self._db.execute(
                "SELECT key_id FROM keys WHERE key_hash=? AND instance_id=? AND status='active'",
                (digest, instance_id),
            ).fetchone()
            if row is None:
                return False
            if touch:
                self._db.execute(
                    "UPDATE keys SET last_used_at=? WHERE key_id=?", (self.now(), row["key_id"])
                )
            return True

    @staticmethod
    def _record(row: sqlite3.Row) -> KeyRecord:
        return KeyRecord(
            key_id=row["key_id"],
            instance_id=row["instance_id"],
            label=row["label"],
            status=row["status"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )
