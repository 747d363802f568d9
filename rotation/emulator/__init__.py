"""A local Synap emulator: a real HTTP server on 127.0.0.1 with SQLite state.

It implements the key-management contract of docs/architecture.md so that tests, the demo
and the benchmarks talk HTTP to something that behaves like the service, and
it can be told to fail (``POST /_emulator/faults``). Start it with
``synap-rotation emulator --port 0 --state FILE`` or, in-process::

    with EmulatorServer(":memory:") as emu:
        print(emu.url, emu.seed.instance_id)

Modules: ``server`` (the HTTP thread and the seeded credentials), ``routes`` and
``memory_routes`` (HTTP: the route table, request parsing, auth, answers), ``store`` (keys
in SQLite) and ``memory_store`` (memories, webhooks, latency; in memory), ``faults``
(injected failures), ``errors`` (the error answer), ``host`` (what the routes see of the
server: its type and the state protocol, so routes and server never import each other).
Not part of the Lambda zip.
"""

from __future__ import annotations

from rotation.emulator.server import EmulatorServer, SeedInfo

__all__ = ["EmulatorServer", "SeedInfo"]
