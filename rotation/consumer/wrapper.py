"""The wrapper an application puts around each Synap call.

It times the call, publishes the metrics the alarms read, classifies a failure as
transient or permanent, logs the failure's correlation id, and on a *transient*
failure returns ``None`` so the application carries on without memory (the
production checklist's graceful degradation). Permanent failures (a rejected key,
bad input) are raised: they need a human, not a shrug.

Example::

    guard = SynapCallGuard(EmfMetrics("inst_123"))
    context = guard.call("context.fetch", lambda: memory.fetch_context(q), mode="fast",
                         zero_results=lambda r: not r)
    if context is None:
        ...  # answer without memory
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rotation.consumer.exceptions import ConsumerError
from rotation.consumer.metrics import CallOutcome, EmfMetrics, ErrorKind
from rotation.exceptions import AuthenticationError, RateLimitError, SynapError
from rotation.keys import KEY_PATTERN, redact

__all__ = ["SynapCallGuard", "classify"]

T = TypeVar("T")
P = ParamSpec("P")
log = logging.getLogger("rotation.consumer")


Classification = tuple[ErrorKind, bool, str | None]


def _safe_message(exc: BaseException) -> str:
    """This project's errors never carry a key; another SDK's might: redact key shapes."""
    text = str(getattr(exc, "message", None) or exc)
    return KEY_PATTERN.sub(lambda m: redact(m.group(0)), text)[:300]


def classify(exc: BaseException) -> Classification:
    """``(metric kind, transient?, correlation id)`` of a failure.

    Knows this project's trees (:mod:`rotation.exceptions`, the consumer's); pass
    ``classify=`` to :class:`SynapCallGuard` to teach it another SDK's errors.
    """
    if isinstance(exc, SynapError):
        if isinstance(exc, AuthenticationError):
            kind: ErrorKind = "auth"
        elif isinstance(exc, RateLimitError):
            kind = "rate_limited"
        else:
            kind = "other"
        return kind, exc.transient, exc.correlation_id
    if isinstance(exc, ConsumerError):
        return "other", exc.transient, exc.correlation_id
    return "other", False, None


class SynapCallGuard:
    """Times, measures and classifies Synap calls; see the module docstring."""

    def __init__(
        self,
        metrics: EmfMetrics,
        *,
        timer: Callable[[], float] = time.perf_counter,
        logger: logging.Logger | None = None,
        classify: Callable[[BaseException], Classification | None] | None = None,
    ) -> None:
        self.metrics = metrics
        self._classify = classify
        self._timer = timer
        self._log = logger or log

    def __repr__(self) -> str:
        return f"SynapCallGuard(metrics={self.metrics!r})"

    def call(
        self,
        operation: str,
        fn: Callable[[], T],
        *,
        mode: str = "default",
        zero_results: Callable[[T], bool] | None = None,
    ) -> T | None:
        """Run ``fn``; its result, or ``None`` after a transient failure."""
        started = self._timer()
        try:
            result = fn()
        except Exception as exc:
            known = self._classification(exc)
            if known is None:
                # A bug in the caller's code, not a Synap failure: count it, never swallow it.
                self.metrics.record(
                    CallOutcome(operation, mode, self._elapsed_ms(started), "other")
                )
                raise
            kind, transient, correlation_id = known
            self.metrics.record(
                CallOutcome(operation, mode, self._elapsed_ms(started), kind, False, correlation_id)
            )
            self._log.log(
                logging.WARNING if transient else logging.ERROR,
                "synap %s failed (%s, %s): %s",
                operation,
                "transient" if transient else "permanent",
                type(exc).__name__,
                _safe_message(exc),
                extra={
                    "correlation_id": correlation_id,
                    "operation": operation,
                    "mode": mode,
                    "transient": transient,
                },
            )
            if transient:
                return None
            raise
        empty = bool(zero_results(result)) if zero_results is not None else False
        self.metrics.record(CallOutcome(operation, mode, self._elapsed_ms(started), None, empty))
        return result

    def wrap(
        self, operation: str, *, mode: str = "default"
    ) -> Callable[[Callable[P, T]], Callable[P, T | None]]:
        """Decorator form of :meth:`call`."""

        def decorate(fn: Callable[P, T]) -> Callable[P, T | None]:
            @functools.wraps(fn)
            def inner(*args: P.args, **kwargs: P.kwargs) -> T | None:
                return self.call(operation, lambda: fn(*args, **kwargs), mode=mode)

            return inner

        return decorate

    def _classification(self, exc: BaseException) -> Classification | None:
        if self._classify is not None:
            custom = self._classify(exc)
            if custom is not None:
                return custom
        if isinstance(exc, SynapError | ConsumerError):
            return classify(exc)
        return None

    def _elapsed_ms(self, started: float) -> float:
        return (self._timer() - started) * 1000.0
