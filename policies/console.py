"""``synap-policy``'s console-script entry: the app is :mod:`policies.cli`.

Kept apart so a slim install (the consumer library, without the ``cli`` extra) gets one
line naming the extra instead of an import traceback.
"""

from __future__ import annotations

from rotation.cli import run_console

__all__ = ["main"]


def main() -> None:
    run_console("policies.cli", "synap-policy")
