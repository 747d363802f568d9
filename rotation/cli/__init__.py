"""``synap-rotation``: the command line of the rotation engine (the app: ``rotation.cli.app``).

Modules: ``app`` (the typer app, ``main``), ``output`` (printing, exit codes, the runner),
``rotate`` and ``report`` (the engine's commands), ``emulator`` (the local emulator),
``options`` and ``session`` (shared flags; the engine a command builds from them).
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_CLI_DEPENDENCIES = frozenset({"typer", "click", "rich"})
_MISSING_EXTRA = "synap-rotation: error: the CLI needs the extra: pip install 'synap-keyops[cli]'"


def main() -> None:
    """Console-script entry point (``synap-rotation``, ``python -m rotation``)."""
    try:
        from rotation.cli.app import main as run
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_DEPENDENCIES:
            raise
        print(_MISSING_EXTRA, file=sys.stderr)
        sys.exit(2)
    run()
