"""Retry policy for Synap calls: pure decisions, no sleeping here.

The production checklist asks for 3 attempts with exponential backoff and
jitter. We use "full jitter" (AWS Architecture Blog, "Exponential Backoff And
Jitter"): the wait before attempt ``n+1`` is uniform in ``[0, min(cap, base * 2**n)]``.
A 429's ``Retry-After`` replaces the jittered wait (capped by ``max_retry_after``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from rotation.exceptions import RateLimitError, SynapError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts and how long to wait between them.

    >>> RetryPolicy(rand=lambda: 1.0).backoff(2)
    4.0
    """

    attempts: int = 3
    base_seconds: float = 1.0
    cap_seconds: float = 10.0
    #: A Retry-After longer than this is not waited for: the error is raised instead.
    max_retry_after_seconds: float = 60.0
    rand: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("backoff base and cap must not be negative")

    def backoff(self, retry_number: int) -> float:
        """Full-jitter wait before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2**retry_number))
        return float(ceiling * self.rand())

    def delay_after(self, error: SynapError, attempt: int) -> float | None:
        """Seconds to wait after ``error`` on attempt ``attempt`` (1-based), or None to give up."""
        if not error.transient or attempt >= self.attempts:
            return None
        if isinstance(error, RateLimitError) and error.retry_after_seconds is not None:
            if error.retry_after_seconds > self.max_retry_after_seconds:
                return None
            return max(0.0, error.retry_after_seconds)
        return self.backoff(attempt - 1)
