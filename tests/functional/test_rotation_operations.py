"""Repair, rollback, emergency-revoke, adopt, status and audit."""

from __future__ import annotations

from typing import Any

import pytest

from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.engine.decide import CURRENT, PENDING, revoke_schedule_name
from rotation.engine.driver import rotate_in_process
from rotation.engine.operations import adopt, emergency_revoke, repair
from rotation.engine.report import audit, status
from rotation.engine.rollback import rollback
from rotation.engine.steps import run_step
from rotation.exceptions import (
    RotationInProgressError,
    SecretValueError,
    StepError,
    VerifyError,
)
from tests.functional.conftest import World

TOKEN = "9a1b2c3d-0000-4000-8000-0000000000aa"


def test_repair_clears_a_stuck_pending_rotation_and_revokes_its_key(world: World) -> None:
    engine = world.engine()
    # GIVEN a rotation that failed after createSecret (AWSPENDING left behind)
    run_step(engine, world.secret_id, TOKEN, "createSecret", local=True)
    pending = world.value(PENDING, TOKEN)
    with pytest.raises(RotationInProgressError):
        rotate_in_process(engine, world.secret_id)
    # THEN status shows it with the fix
    shown = status(engine, world.secret_id)
    assert shown["incomplete_rotation"]["version_id"] == TOKEN
    assert "repair" in shown["incomplete_rotation"]["fix"]
    # WHEN repaired
    report = repair(engine, world.secret_id)
    assert report["result"] == "repaired"
    assert any("revoked never-promoted key" in line for line in report["did"])
    assert world.holder(PENDING) is None
    assert not world.accepted(pending["api_key"])
    # THEN the next rotation works and nothing was lost
    rotate_in_process(engine, world.secret_id)
    world.check_invariants()
    assert repair(engine, world.secret_id)["result"] == "nothing-to-repair"


def test_rollback_within_grace_restores_the_previous_key(world: World) -> None:
    engine = world.engine()
    old = world.value()
    rotate_in_process(engine, world.secret_id)
    new = world.value()
    result = rollback(engine, world.secret_id)
    assert result["restored_key_id"] == old["key_id"]
    assert world.value()["key_id"] == old["key_id"]
    # the old key's revoke is cancelled; the rolled-back key waits for its own grace
    schedules = world.schedules()
    assert revoke_schedule_name(old["key_id"]) not in schedules
    assert revoke_schedule_name(new["key_id"]) in schedules
    assert world.accepted(new["api_key"]) and world.accepted(old["api_key"])
    world.check_invariants()


def test_rollback_after_grace_is_refused(world: World) -> None:
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    with pytest.raises(StepError, match="too late"):
        rollback(engine, world.secret_id)


def test_failed_verification_after_deploy_rolls_back(world: World) -> None:
    # GIVEN consumers must be seen using the new key within 5 minutes, and none does
    engine = world.engine(usage_window_seconds=300)
    old = world.value()
    report = rotate_in_process(engine, world.secret_id)
    assert report["deploy"]["result"] == "rolled-back"
    assert world.value()["key_id"] == old["key_id"]
    assert ("RotationFailed", world.secret_id, 1.0) in engine.metrics.sent
    world.check_invariants()


def test_verification_passes_when_a_consumer_uses_the_new_key(world: World) -> None:
    engine = world.engine(usage_window_seconds=300)
    real_sleep = engine.sleep

    def consumer_runs_while_we_wait(seconds: float) -> None:
        real_sleep(seconds)
        meta = engine.store.describe(world.secret_id)
        if meta.versions and world.holder(CURRENT):
            world.consumer_uses(world.value()["api_key"])

    engine.sleep = consumer_runs_while_we_wait
    report = rotate_in_process(engine, world.secret_id)
    assert report["deploy"]["result"] == "verified"


def test_emergency_revoke_rotates_and_revokes_the_old_key_now(world: World) -> None:
    engine = world.engine()
    old = world.value()
    world.consumer_uses(old["api_key"])  # the guard does not apply to a leaked key
    result = emergency_revoke(engine, world.secret_id)
    assert result["result"] == "revoked"
    assert not world.accepted(old["api_key"])
    assert world.value()["key_id"] != old["key_id"]
    assert revoke_schedule_name(old["key_id"]) not in world.schedules()
    world.check_invariants(emergency=True)


def test_adopt_stores_an_existing_key_so_the_next_rotation_replaces_it(
    world_factory: Any,
) -> None:
    world: World = world_factory(empty=True, tags=False)
    engine = world.engine()
    assert world.seed.api_key is not None
    adopt(
        engine,
        world.secret_id,
        world.seed.api_key,
        instance_id=world.instance_id,
        key_id=world.seed.key_id,
    )
    assert world.value()["key_id"] == world.seed.key_id
    with pytest.raises(StepError, match="already holds a key"):
        adopt(
            engine,
            world.secret_id,
            world.seed.api_key,
            instance_id=world.instance_id,
            key_id=world.seed.key_id,
        )
    rotate_in_process(engine, world.secret_id)
    assert world.value()["key_id"] != world.seed.key_id
    world.check_invariants()


def test_adopt_rejects_a_wrong_key(world_factory: Any) -> None:
    world: World = world_factory(empty=True, tags=False)
    engine = world.engine()
    with pytest.raises(SecretValueError):
        adopt(engine, world.secret_id, "not-a-key", instance_id="x", key_id="y")
    with pytest.raises(VerifyError):
        adopt(
            engine,
            world.secret_id,
            "synap_" + "A" * 58,
            instance_id=world.instance_id,
            key_id=world.seed.key_id,
        )


def test_status_and_audit(world: World) -> None:
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    shown = status(engine, world.secret_id)
    assert shown["current"]["key_id"] == world.value()["key_id"]
    assert len(shown["pending_revokes"]) == 1
    assert shown["pending_revokes"][0]["due_in_seconds"] > DEFAULT_GRACE_SECONDS - 60
    assert shown["incomplete_rotation"] is None
    report = audit(engine, [world.secret_id])
    [row] = report["secrets"]
    assert row["pending_revokes"] == 1
    assert row["tier"] == "unconfigured"


def test_pins_made_in_the_same_second_do_not_steal_each_others_label(world: World) -> None:
    engine = world.engine()
    seed = world.value()
    rotate_in_process(engine, world.secret_id)
    failed = world.value()
    rollback(engine, world.secret_id)  # pins the failed key at the same second
    rotate_in_process(engine, world.secret_id)  # pins the seed key again, same second
    pinned = {
        world.version_value(v)["key_id"]  # type: ignore[index]
        for v, stages in world.versions().items()
        if any(s.startswith("keyops-revoke-at-") for s in stages)
    }
    assert pinned == {seed["key_id"], failed["key_id"]}
    world.check_invariants()
