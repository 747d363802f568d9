"""What the CLIs print and how they exit: one-line errors, ``--json``, progress, exit codes.

Every error and text line goes through :func:`scrub`, which replaces a Synap key anywhere
in it with its :func:`~rotation.keys.redact` preview, so a key typed into an argument (or
quoted in an error) is never echoed. ``--json`` output is data and is printed as it is.
:func:`run_app` is shared by ``synap-rotation`` and ``synap-policy`` so both fail the same way.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NoReturn

import typer

from rotation.keys import KEY_PATTERN, redact

__all__ = [
    "PROG",
    "ExitCode",
    "emit_json",
    "error",
    "fail",
    "progress",
    "run_app",
    "say",
    "scrub",
    "show",
]

PROG = "synap-rotation"


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a failed operation
    FINDINGS = 1  # findings or mandatory violations (an alias of FAILURE)
    USAGE = 2  # bad input or usage
    UNEXPECTED = 3


def scrub(text: str) -> str:
    """``text`` with every Synap key in it replaced by its redacted preview."""
    return KEY_PATTERN.sub(lambda match: redact(match.group(0)), text)


def say(text: str, *, err: bool = False) -> None:
    """Print a text line (or lines), keys redacted."""
    typer.echo(scrub(text), err=err)


def error(prog: str, message: str, kind: str = "error") -> None:
    """One line on stderr: ``<prog>: error: <message>``, keys redacted."""
    say(f"{prog}: {kind}: {message}", err=True)


def fail(message: str, code: ExitCode = ExitCode.FAILURE) -> typer.Exit:
    """Print one ``synap-rotation: error:`` line and return the Exit to raise."""
    error(PROG, message)
    return typer.Exit(int(code))


def emit_json(data: Any) -> None:
    """One JSON object on one line of stdout (``--json``; the emulator's ready line)."""
    typer.echo(json.dumps(data, indent=None, sort_keys=True, default=str))


def show(data: dict[str, Any], as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    """``data`` as one JSON line with ``--json``, else as the text ``text`` makes of it."""
    if as_json:
        emit_json(data)
    else:
        say(text(data))


def progress(as_json: bool) -> Callable[[str], None]:
    """The engine's progress callback: ``… message`` on an interactive stderr, else nothing."""
    if as_json or not sys.stderr.isatty():
        return lambda _: None
    return lambda message: say(f"… {message}", err=True)


def run_app(
    app: typer.Typer, prog: str, errors: Sequence[tuple[type[BaseException], int]]
) -> NoReturn:
    """Run ``app``; each exception type in ``errors`` becomes one stderr line and its code."""
    try:
        # Without standalone mode click returns the code of a raised Exit instead of exiting.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitCode.OK)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        sys.exit(_exit_code(exc, prog, errors))


def _exit_code(exc: Exception, prog: str, errors: Sequence[tuple[type[BaseException], int]]) -> int:
    """Print the one line an exception gets and return the exit code it maps to."""
    for kind, exit_code in errors:
        if isinstance(exc, kind):
            error(prog, str(exc))
            return exit_code
    # Typer may vendor its own copy of click, so match click's exceptions by shape.
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
        error(prog, exc.format_message(), "usage error")
        return ExitCode.USAGE
    if type(exc).__name__ == "Abort":
        return 130
    error(prog, type(exc).__name__, "unexpected error")
    return ExitCode.UNEXPECTED
