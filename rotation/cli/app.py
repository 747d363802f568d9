"""The ``synap-rotation`` typer app: the root command and its subcommands, in help order.

Commands are thin: they parse flags, call the library and print (:mod:`rotation.cli.output`).
Errors go to stderr as one line and map to :class:`~rotation.cli.output.ExitCode`; no
traceback reaches a user. The command modules do not import this one: it imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from rotation.cli import emulator, report, rotate
from rotation.cli.output import PROG, ExitCode, run_app
from rotation.exceptions import KeyOpsError

__all__ = ["COMMANDS", "app", "main"]

#: (name, function), in the order ``--help`` lists them.
COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("emulator", emulator.emulator),
    ("rotate", rotate.rotate),
    ("status", report.status),
    ("rollback", rotate.rollback),
    ("emergency-revoke", rotate.emergency_revoke),
    ("repair", rotate.repair),
    ("sweep", report.sweep),
    ("audit", report.audit),
    ("adopt", rotate.adopt),
)

app = typer.Typer(
    name=PROG,
    help="Rotate, verify and revoke Synap API keys stored in AWS Secrets Manager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Rotate, verify and revoke Synap API keys stored in AWS Secrets Manager."""


for _name, _command in COMMANDS:
    app.command(_name)(_command)


def main() -> None:
    """Console-script entry point: map library errors to one line and an exit code."""
    run_app(app, PROG, [(KeyOpsError, ExitCode.FAILURE)])
