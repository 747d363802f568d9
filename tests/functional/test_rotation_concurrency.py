"""Two rotations of one secret started together: one wins, the other fails cleanly."""

from __future__ import annotations

import threading
from typing import Any

from rotation.engine.decide import CURRENT, PENDING
from rotation.engine.driver import rotate_in_process
from rotation.engine.operations import repair
from rotation.exceptions import KeyOpsError
from tests.functional.conftest import World


def _race(world: World) -> list[Any]:
    engines = [world.engine(), world.engine()]
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def rotate(i: int) -> None:
        barrier.wait()
        try:
            results[i] = rotate_in_process(engines[i], world.secret_id)
        except KeyOpsError as exc:
            results[i] = exc

    threads = [threading.Thread(target=rotate, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_rotations_started_together(world_factory: Any) -> None:
    for _ in range(4):
        world: World = world_factory()
        old = world.value()
        results = _race(world)
        wins = [r for r in results if isinstance(r, dict)]
        losses = [r for r in results if not isinstance(r, dict)]
        # THEN at least one rotation completed; a loser raised a typed error, not a crash
        assert wins, results
        assert all(isinstance(r, KeyOpsError) for r in losses)
        assert world.value()["key_id"] != old["key_id"]
        assert world.value()["key_id"] in {w["key_id"] for w in wins}
        # nothing is lost: a stray AWSPENDING (if any) repairs, and all invariants hold
        pending = world.holder(PENDING)
        if pending is not None and pending != world.holder(CURRENT):
            repair(world.engine(), world.secret_id)
        world.check_invariants()
        rotate_in_process(world.engine(), world.secret_id)
        world.check_invariants()
