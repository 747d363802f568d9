"""Run a typer app as a console script: one-line errors, documented exit codes, no traceback.

Shared by ``synap-rotation`` and ``synap-policy`` so both CLIs fail the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import IntEnum
from typing import NoReturn

import typer

__all__ = ["ExitCode", "run_app"]


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a failed operation
    FINDINGS = 1  # findings or mandatory violations (an alias of FAILURE)
    USAGE = 2  # bad input or usage
    UNEXPECTED = 3


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
        for kind, exit_code in errors:
            if isinstance(exc, kind):
                typer.echo(f"{prog}: error: {exc}", err=True)
                sys.exit(exit_code)
        # Typer may vendor its own copy of click, so match click's exceptions by shape.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            typer.echo(f"{prog}: usage error: {exc.format_message()}", err=True)
            sys.exit(ExitCode.USAGE)
        if type(exc).__name__ == "Abort":
            sys.exit(130)
        typer.echo(f"{prog}: unexpected error: {type(exc).__name__}", err=True)
        sys.exit(ExitCode.UNEXPECTED)
