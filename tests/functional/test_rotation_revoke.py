"""Revoke after grace, the still-in-use guard and the daily sweep."""

from __future__ import annotations

from typing import Any

import pytest

from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.engine.decide import parse_revoke_stage, revoke_schedule_name
from rotation.engine.driver import rotate_in_process
from rotation.engine.revoke import revoke, sweep
from rotation.exceptions import StepError
from tests.functional.conftest import World


def _pins(world: World) -> list[int]:
    return [
        at
        for stages in world.versions().values()
        for s in stages
        if (at := parse_revoke_stage(s)) is not None
    ]


def test_revoke_waits_for_the_grace_then_revokes_and_confirms_401(world: World) -> None:
    engine = world.engine()
    old = world.value()
    rotate_in_process(engine, world.secret_id)
    # WHEN the scheduled revoke fires early (clock skew, a manual invoke)
    early = revoke(engine, world.secret_id, old["key_id"])
    # THEN nothing is revoked and the schedule is kept at the recorded time
    assert early["result"] == "not-yet"
    assert world.accepted(old["api_key"])
    # WHEN the grace has passed
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    done = revoke(engine, world.secret_id, old["key_id"])
    # THEN Synap answers 401 for it, the pin and the schedule are gone
    assert done["result"] == "revoked"
    assert not world.accepted(old["api_key"])
    assert world.keys()[old["key_id"]].status == "revoked"
    assert _pins(world) == []
    assert revoke_schedule_name(old["key_id"]) not in world.schedules()
    assert ("RevokeSucceeded", world.secret_id, 1.0) in engine.metrics.sent
    # AND a second delivery of the same schedule is harmless
    assert revoke(engine, world.secret_id, old["key_id"])["result"] == "not-pinned"
    world.check_invariants(emergency=True)


def test_revoke_refuses_the_current_key(world: World) -> None:
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    current = world.value()
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    with pytest.raises(StepError, match="AWSCURRENT or AWSPENDING"):
        revoke(engine, world.secret_id, current["key_id"])
    assert world.accepted(current["api_key"])


def test_a_consumer_using_the_old_key_postpones_the_revoke(world: World) -> None:
    engine = world.engine()
    old = world.value()
    rotate_in_process(engine, world.secret_id)
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    # GIVEN a forgotten consumer still calls Synap with the old key
    world.consumer_uses(old["api_key"])
    world.clock.advance(60)
    result = revoke(engine, world.secret_id, old["key_id"])
    # THEN the revoke is postponed, re-scheduled an hour later, and reported
    assert result["result"] == "postponed"
    assert world.accepted(old["api_key"])
    assert ("RevokePostponed", world.secret_id, 1.0) in engine.metrics.sent
    schedule = world.schedules()[revoke_schedule_name(old["key_id"])]
    assert schedule["ScheduleExpression"].startswith("at(")
    # WHEN the consumer has gone quiet for the window
    world.clock.advance(3601)
    assert revoke(engine, world.secret_id, old["key_id"])["result"] == "revoked"
    assert not world.accepted(old["api_key"])


def test_the_engines_own_verify_does_not_count_as_use(world: World) -> None:
    engine = world.engine(grace_seconds=60)
    old = world.value()
    rotate_in_process(engine, world.secret_id)
    world.clock.advance(61)
    # GIVEN the engine itself verified the old key a moment ago (as rollback does)
    meta = engine.store.describe(world.secret_id)
    cred = engine.strategy(meta).parse(
        world.sm.get_secret_value(SecretId=world.secret_id, VersionStage="AWSPREVIOUS")[
            "SecretString"
        ]
    )
    assert engine.accepted(meta, cred, record=True)
    assert world.keys()[old["key_id"]].last_used_at is not None
    # WHEN a fresh engine (another invocation) revokes it
    other = world.engine(grace_seconds=60)
    assert revoke(other, world.secret_id, old["key_id"])["result"] == "revoked"


def test_sweep_revokes_a_key_whose_schedule_was_lost(world: World) -> None:
    engine = world.engine()
    seed = world.value()
    rotate_in_process(engine, world.secret_id)
    first = world.value()  # made by this tool (label keyops-<token>)
    rotate_in_process(engine, world.secret_id)
    engine.scheduler.cancel(revoke_schedule_name(first["key_id"]))  # its schedule is lost
    assert sweep(engine, [world.secret_id])["revoked"] == []  # grace not over yet
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    report = sweep(engine, [world.secret_id])
    # THEN the tool's key is revoked; the hand-made seed key is left to its own schedule
    assert report["revoked"] == [first["key_id"]]
    assert not world.accepted(first["api_key"])
    assert world.accepted(seed["api_key"])
    assert len(_pins(world)) == 1
    days = [v for name, secret, v in engine.metrics.sent if name == "DaysSinceLastRotation"]
    assert days and days[-1] >= 2.0  # feeds the alarm "not rotated within period + 1 day"
    world.check_invariants(emergency=True)


def test_sweep_spares_hand_made_keys_and_keys_of_other_secrets(world_factory: Any) -> None:
    world: World = world_factory()
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    # a key someone made by hand, and an orphan this tool made (labelled, stored nowhere)
    manual, _ = world.emu.store.create_key(world.instance_id, "ci-pipeline")
    orphan, _ = world.emu.store.create_key(world.instance_id, "keyops-0000-lost-token")
    # a second managed secret at the same instance, whose current key this tool made
    import json

    other_name = world.secret_id + "-other"
    made, value = world.emu.store.create_key(world.instance_id, "keyops-1111-other-token")
    world.sm.create_secret(
        Name=other_name,
        SecretString=json.dumps(
            {
                "api_key": value,
                "key_id": made.key_id,
                "instance_id": world.instance_id,
                "label": made.label,
                "created_at": made.created_at,
            }
        ),
    )
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    report = sweep(engine, [world.secret_id, other_name])
    keys = world.keys()
    assert keys[manual.key_id].status == "active"
    assert keys[made.key_id].status == "active"
    assert keys[orphan.key_id].status == "revoked"
    assert orphan.key_id in report["revoked"] and manual.key_id not in report["revoked"]
    assert world.accepted(world.value()["api_key"])


def test_one_unreadable_secret_does_not_stop_the_sweep(world_factory: Any) -> None:
    world: World = world_factory()
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    first = world.value()
    rotate_in_process(engine, world.secret_id)
    broken: World = world_factory()
    broken.sm.put_secret_value(SecretId=broken.secret_id, SecretString="{not json")
    # an orphan at the broken secret's instance: it might be that secret's key, so it stays
    orphan, _ = world.emu.store.create_key(broken.instance_id, "keyops-maybe-broken-ones")
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    report = sweep(engine, [broken.secret_id, world.secret_id])
    assert [e.get("secret_id") for e in report["errors"]] == [broken.secret_id]
    assert report["revoked"] == [first["key_id"]]
    assert broken.keys()[orphan.key_id].status == "active"


def test_an_instance_synap_no_longer_knows_does_not_stop_the_sweep(world_factory: Any) -> None:
    import json

    world: World = world_factory()
    engine = world.engine()
    rotate_in_process(engine, world.secret_id)
    first = world.value()
    rotate_in_process(engine, world.secret_id)
    gone: World = world_factory()
    value = gone.value()
    value["instance_id"] = "inst_00000000deadbeef"
    gone.sm.put_secret_value(SecretId=gone.secret_id, SecretString=json.dumps(value))
    world.clock.advance(DEFAULT_GRACE_SECONDS + 1)
    report = sweep(engine, [gone.secret_id, world.secret_id])
    assert [e.get("instance_id") for e in report["errors"]] == ["inst_00000000deadbeef"]
    assert report["revoked"] == [first["key_id"]]
