"""An application on the consumer library while the real rotation engine rotates its key.

The engine's local driver runs the four steps, the deploy (the ``none`` deployer waits
the consumers' cache TTL) and verify; the app makes Synap calls at every progress
point the engine reports (before each step and every 10 s of the TTL wait), then the
engine revokes the old key after the grace. Clock and sleeps are the engine fixtures'
fake clock, shared by the app's key cache.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from rotation.consumer import EmfMetrics, KeyProvider, SynapCallGuard, SynapMemoryClient
from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.engine.driver import rotate_in_process
from rotation.engine.revoke import revoke
from tests.functional.conftest import World


def test_app_keeps_working_across_an_engine_rotation_and_revoke(world: World) -> None:
    lines: list[str] = []
    provider = KeyProvider(
        world.secret_id, client=boto3.client("secretsmanager"), clock=world.clock
    )
    guard = SynapCallGuard(EmfMetrics(world.instance_id, write=lines.append))
    results: list[Any] = []
    used: set[str] = set()

    with SynapMemoryClient(world.emu.url, provider) as memory:

        def app_step(_: str = "") -> None:
            results.append(
                guard.call(
                    "memories.create", lambda: memory.create_memory("likes tea"), mode="fast"
                )
            )
            results.append(
                guard.call(
                    "context.fetch",
                    lambda: memory.fetch_context("tea", mode="fast"),
                    mode="fast",
                    zero_results=lambda items: not items,
                )
            )
            used.add(provider.get().key_id)

        app_step()
        old_key = provider.get().key_id

        # GIVEN the engine rotates with the `none` deployer (consumers re-read after 300 s)
        engine = world.engine(deployers={"*": [{"type": "none", "ttl_seconds": 300}]})
        engine.progress = app_step
        report = rotate_in_process(engine, world.secret_id)
        new_key = report["key_id"]
        assert report["deploy"]["result"] == "verified"
        # THEN once the deploy's TTL wait is over, the app's next call uses the new key
        # (its cache, loaded before the promotion, expired within those 300 s)
        app_step()
        assert provider.get().key_id == new_key and used == {old_key, new_key}

        # WHEN the grace passes and the engine revokes the old key
        world.clock.advance(DEFAULT_GRACE_SECONDS + 60)
        outcome = revoke(engine, world.secret_id, old_key)
        assert outcome["result"] == "revoked"
        for _ in range(3):
            app_step()

    # THEN not one call failed, none needed the 401 path, and the metrics agree
    assert len(results) > 20 and all(r is not None for r in results)
    assert provider.auth_refreshes == 0
    records = [json.loads(line) for line in lines]
    assert sum(r["Errors"] for r in records) == 0
    assert sum(r["Requests"] for r in records) == len(results)
    keys = world.keys()
    assert keys[old_key].status == "revoked" and keys[new_key].status == "active"
    world.check_invariants()
