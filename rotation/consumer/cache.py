"""A single-value cache with a jittered TTL, single-flight loads and throttled forced refresh.

Pure logic: the loader, the clock and the random source are injected. Used by the key
provider and by the webhook verifier's signing-secret source.

Why jitter: a fleet of processes started together (a deploy) would otherwise re-read
the secret in lock-step every TTL. Each load sets the next expiry to
``ttl * (1 - jitter * U[0, 1))``: never later than the TTL, spread over its last 10 %.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from rotation.consumer.exceptions import ConsumerError

__all__ = ["RefreshingCache"]

T = TypeVar("T")

log = logging.getLogger("rotation.consumer")


class RefreshingCache(Generic[T]):
    """Holds one loaded value.

    - ``get()`` loads on first use and after the (jittered) TTL; concurrent callers wait
      for one load instead of each making their own (single flight).
    - ``refresh(seen)`` forces a reload because the caller saw ``seen`` fail, unless
      another thread already replaced ``seen`` (by ``identity``, e.g. the secret
      version id) or a forced reload happened less than
      ``min_refresh_seconds`` ago (a burst of failures costs one read, not one each).
    - A *transient* load failure while a value is held keeps serving that value and
      tries again after ``retry_seconds``: Secrets Manager being slow must not turn into
      every application call failing.
    """

    def __init__(
        self,
        loader: Callable[[], T],
        *,
        ttl_seconds: float = 300.0,
        jitter: float = 0.1,
        min_refresh_seconds: float = 5.0,
        retry_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        identity: Callable[[T], object] = id,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be within [0, 1)")
        self._loader = loader
        self._identity = identity
        self.ttl_seconds = ttl_seconds
        self.jitter = jitter
        self.min_refresh_seconds = min_refresh_seconds
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._rand = rand
        self._lock = threading.Lock()
        self._value: T | None = None
        self._expires_at = 0.0
        self._last_forced: float | None = None
        #: loads attempted (TTL expiries + forced refreshes + first use)
        self.loads = 0
        self.forced_loads = 0

    def __repr__(self) -> str:
        # the held value is a secret: never shown
        return f"RefreshingCache(ttl_seconds={self.ttl_seconds}, loads={self.loads})"

    def get(self) -> T:
        """The cached value, loading it if absent or expired."""
        with self._lock:
            if self._value is None or self._clock() >= self._expires_at:
                return self._load()
            return self._value

    def refresh(self, seen: T | None = None) -> T:
        """Reload now because ``seen`` was rejected (the class docstring says when it does not)."""
        with self._lock:
            now = self._clock()
            if self._value is not None:
                if seen is not None and self._identity(self._value) != self._identity(seen):
                    return self._value
                if (
                    self._last_forced is not None
                    and now - self._last_forced < self.min_refresh_seconds
                ):
                    return self._value
            self._last_forced = now
            self.forced_loads += 1
            return self._load()

    def _load(self) -> T:
        now = self._clock()
        self.loads += 1
        try:
            value = self._loader()
        except ConsumerError as exc:
            if exc.transient and self._value is not None:
                log.warning(
                    "secret reload failed, serving the cached value: %s",
                    exc.message,
                    extra={"correlation_id": exc.correlation_id},
                )
                self._expires_at = now + self.retry_seconds
                return self._value
            raise
        self._value = value
        self._expires_at = now + self.ttl_seconds * (1.0 - self.jitter * self._rand())
        return value
