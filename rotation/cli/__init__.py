"""``synap-rotation``: the command line of the rotation engine (the app: ``rotation.cli.app``).

Modules: ``app`` (the typer app, ``main``), ``output`` (printing, exit codes, the runner),
``rotate`` and ``report`` (the engine's commands), ``emulator`` (the local emulator),
``options`` and ``session`` (shared flags; the engine a command builds from them).
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["main", "run_console"]

#: What the ``cli`` extra installs; a slim install (the consumer library alone) lacks it.
_CLI_DEPENDENCIES = frozenset(
    {"typer", "click", "rich", "yaml", "jsonschema", "pathspec", "re2", "pulumi_policy"}
)


def run_console(module: str, prog: str) -> None:
    """Run ``module.main()``; without the ``cli`` extra, one line and exit 2, no traceback."""
    try:
        entry = importlib.import_module(module).main
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_DEPENDENCIES:
            raise
        print(
            f"{prog}: error: the command line needs the extra: pip install 'synap-keyops[cli]'",
            file=sys.stderr,
        )
        sys.exit(2)
    entry()


def main() -> None:
    """Console-script entry point (``synap-rotation``, ``python -m rotation``)."""
    run_console("rotation.cli.app", "synap-rotation")
