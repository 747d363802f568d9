"""``synap-rotation emulator``: run the local Synap emulator in the foreground."""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from rotation.cli.output import ExitCode, emit_json, fail

if TYPE_CHECKING:
    from rotation.emulator import EmulatorServer

__all__ = ["emulator"]

PortOpt = Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one.")]
StateOpt = Annotated[
    Path | None,
    typer.Option(help="SQLite state file; state survives restarts. Default: in memory."),
]
HostOpt = Annotated[str, typer.Option(help="Address to bind (loopback only).")]
InstanceOpt = Annotated[
    str | None, typer.Option(help="Id of the seeded instance (default: random).")
]


def _check_flags(host: str, port: int, state: Path | None) -> None:
    if not host.startswith("127.") and host not in ("localhost", "::1"):
        raise fail(f"--host {host!r} is not a loopback address", ExitCode.USAGE)
    if not 0 <= port <= 65535:
        raise fail(f"--port must be 0..65535, got {port}", ExitCode.USAGE)
    if state is not None and state.parent and not state.parent.exists():
        raise fail(f"--state directory {state.parent} does not exist", ExitCode.USAGE)


def _open(state: Path | None, host: str, port: int, instance_id: str | None) -> EmulatorServer:
    from rotation.emulator import EmulatorServer

    try:
        return EmulatorServer(state or ":memory:", host=host, port=port, instance_id=instance_id)
    except OSError as exc:
        raise fail(f"cannot bind {host}:{port}: {exc.strerror}", ExitCode.FAILURE) from exc
    except Exception as exc:  # sqlite errors on a corrupt state file, etc.
        raise fail(f"cannot open state {state}: {exc}", ExitCode.FAILURE) from exc


def _serve_until_signalled(server: EmulatorServer) -> None:
    """Start, print the ready line, serve until SIGTERM or SIGINT, stop."""
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.start()
    emit_json(asdict(server.seed))
    sys.stdout.flush()
    while not done.wait(0.5):
        pass
    server.stop()


def emulator(
    port: PortOpt = 0,
    state: StateOpt = None,
    host: HostOpt = "127.0.0.1",
    instance_id: InstanceOpt = None,
) -> None:
    """Run the local Synap emulator until Ctrl-C or SIGTERM.

    Prints exactly one JSON line on stdout when ready:
    {"url", "admin_key", "instance_id", "api_key", "key_id"}. After a restart on the
    same --state, api_key is null (the emulator keeps only SHA-256 hashes of keys).
    """
    _check_flags(host, port, state)
    _serve_until_signalled(_open(state, host, port, instance_id))
