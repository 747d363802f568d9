"""``synap-rotation``: the command line of the rotation engine.

Commands are thin: they parse flags, call the library and print. Errors go to
stderr as one line and map to :class:`ExitCode`; no traceback reaches a user.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from rotation.cli_runner import ExitCode, run_app
from rotation.exceptions import SynapError

__all__ = ["ExitCode", "app", "fail", "main"]


app = typer.Typer(
    name="synap-rotation",
    help="Rotate, verify and revoke Synap API keys stored in AWS Secrets Manager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Rotate, verify and revoke Synap API keys stored in AWS Secrets Manager."""


def fail(message: str, code: ExitCode = ExitCode.FAILURE) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"synap-rotation: error: {message}", err=True)
    return typer.Exit(int(code))


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=None, sort_keys=True, default=str))


@app.command()
def emulator(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one.")] = 0,
    state: Annotated[
        Path | None,
        typer.Option(help="SQLite state file; state survives restarts. Default: in memory."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback only).")] = "127.0.0.1",
    instance_id: Annotated[
        str | None, typer.Option(help="Id of the seeded instance (default: random).")
    ] = None,
) -> None:
    """Run the local Synap emulator until Ctrl-C or SIGTERM.

    Prints exactly one JSON line on stdout when ready:
    {"url", "admin_key", "instance_id", "api_key", "key_id"}. After a restart on the
    same --state, api_key is null (the emulator keeps only SHA-256 hashes of keys).
    """
    from rotation.emulator import EmulatorServer

    if not host.startswith("127.") and host not in ("localhost", "::1"):
        raise fail(f"--host {host!r} is not a loopback address", ExitCode.USAGE)
    if not 0 <= port <= 65535:
        raise fail(f"--port must be 0..65535, got {port}", ExitCode.USAGE)
    if state is not None and state.parent and not state.parent.exists():
        raise fail(f"--state directory {state.parent} does not exist", ExitCode.USAGE)
    try:
        server = EmulatorServer(state or ":memory:", host=host, port=port, instance_id=instance_id)
    except OSError as exc:
        raise fail(f"cannot bind {host}:{port}: {exc.strerror}", ExitCode.FAILURE) from exc
    except Exception as exc:  # sqlite errors on a corrupt state file, etc.
        raise fail(f"cannot open state {state}: {exc}", ExitCode.FAILURE) from exc
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.start()
    from dataclasses import asdict

    emit_json(asdict(server.seed))
    sys.stdout.flush()
    while not done.wait(0.5):
        pass
    server.stop()


def _register_engine_commands() -> None:
    from rotation.cli_rotation import register

    register(app)


_register_engine_commands()


def main() -> None:
    """Console-script entry point: map library errors to one line and an exit code."""
    run_app(app, "synap-rotation", [(SynapError, ExitCode.FAILURE)])
