"""JSON-lines logging with the operation's context on every line, and no secret in any.

Every line carries ``correlation_id``, ``secret_id``, ``token``, ``step`` / ``action``
when they are known (bound with :func:`context`). A last-line-of-defence filter redacts
anything shaped like a Synap key before a record is formatted.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rotation.exceptions import new_correlation_id
from rotation.keys import KEY_PATTERN, redact

__all__ = ["JsonFormatter", "bound", "configure", "context"]

_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("rotation_log_context")
_FIELDS = ("correlation_id", "secret_id", "token", "step", "action", "key_id")


def bound() -> dict[str, Any]:
    """The context bound to the current operation."""
    return dict(_CONTEXT.get({}))


@contextmanager
def context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Bind fields for the log lines inside the block; makes a correlation id if none."""
    merged = {**_CONTEXT.get({}), **{k: v for k, v in fields.items() if v is not None}}
    merged.setdefault("correlation_id", new_correlation_id())
    reset = _CONTEXT.set(merged)
    try:
        yield merged
    finally:
        _CONTEXT.reset(reset)


def _scrub(text: str) -> str:
    return KEY_PATTERN.sub(lambda m: redact(m.group(0)), text)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _CONTEXT.get({}).items():
            if not hasattr(record, name):
                setattr(record, name, value)
        record.msg = _scrub(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the bound context."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": _scrub(record.getMessage()),
        }
        extras = ("op", "attempt", "transient", "retry_in", "reason", "error_correlation_id")
        for name in (*_FIELDS, *extras):
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            data["error"] = type(record.exc_info[1]).__name__
        return _scrub(json.dumps(data, default=str, sort_keys=True))


_FILTER = _ContextFilter()


def configure(level: int = logging.INFO, stream: Any = None) -> None:
    """Send ``rotation.*`` loggers to ``stream`` (stderr by default) as JSON lines."""
    logger = logging.getLogger("rotation")
    for handler in list(logger.handlers):
        if getattr(handler, "_rotation_json", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._rotation_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def install_filter() -> None:
    """Attach the context + redaction filter to the ``rotation`` loggers (idempotent)."""
    for name in ("rotation", "rotation.engine", "rotation.synap", "rotation.deployers"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install_filter()
