"""`make demo`: the whole job on local emulators, step by step.

For now (Foundation): start the Synap emulator as an operator would, then drive
the admin client against it, including an injected fault and its retry. Later
steps (plan, policy check, rotation, revoke, rollback, checklist) are added here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from rich.console import Console

from rotation.keys import redact
from rotation.synap_client import SynapAdminClient

console = Console(highlight=False)


class DemoError(Exception):
    """A demo step did not show what it should."""


@contextmanager
def step(title: str) -> Iterator[None]:
    console.rule(f"[bold cyan]{title}")
    start = time.perf_counter()
    yield
    console.print(f"[green]✓[/] {title} [dim]({time.perf_counter() - start:.2f}s)[/]")


@contextmanager
def emulator() -> Iterator[dict[str, Any]]:
    cmd = [sys.executable, "-m", "rotation", "emulator", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise DemoError("the emulator exited before printing its ready line")
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> int:
    console.print("[bold]synap-keyops demo[/] - everything runs locally, no cloud account\n")
    with emulator() as emu:
        inst = emu["instance_id"]
        admin = {"Authorization": f"Bearer {emu['admin_key']}"}
        with step("1. Synap emulator started"):
            console.print(f"url={emu['url']} instance={inst} seed key={redact(emu['api_key'])}")
        with SynapAdminClient(emu["url"], emu["admin_key"]) as synap:
            with step("2. Create a key, verify it, list keys"):
                created = synap.create_key(inst, "demo-key")
                console.print(f"created {created.key_id} {redact(created.api_key)}")
                if not synap.verify_key(inst, created.api_key):
                    raise DemoError("the new key was not accepted")
                for key in synap.list_keys(inst):
                    console.print(f"  {key.key_id}  {key.label:10} {key.status:8} {key.created_at}")
            with step("3. Inject two 503s: the client retries with backoff and succeeds"):
                httpx.post(
                    f"{emu['url']}/_emulator/faults",
                    json={"op": "list_keys", "kind": "503", "count": 2},
                    headers=admin,
                ).raise_for_status()
                before = synap.calls.get("list_keys", 0)
                synap.list_keys(inst)
                console.print(f"list_keys attempts: {synap.calls['list_keys'] - before}")
            with step("4. Revoke the key: Synap now rejects it (401)"):
                synap.revoke_key(inst, created.key_id)
                if synap.verify_key(inst, created.api_key):
                    raise DemoError("a revoked key was still accepted")
                console.print(f"{created.key_id} revoked; verify -> 401")
    console.print("\n[bold green]demo finished[/]")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (DemoError, Exception) as exc:
        console.print(f"[bold red]demo failed:[/] {type(exc).__name__}: {exc}")
        sys.exit(1)
