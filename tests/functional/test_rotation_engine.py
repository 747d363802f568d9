"""The four steps and the local driver against moto and the emulator over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    PREVIOUS,
    parse_revoke_stage,
    revoke_schedule_name,
)
from rotation.engine.driver import rotate_in_process
from rotation.engine.steps import run_step
from tests.functional.conftest import World, assert_no_secret


def test_local_rotation_makes_a_new_key_pins_the_old_and_schedules_its_revoke(
    world: World, rotation_logs: Any
) -> None:
    # GIVEN a secret holding the seed key
    engine = world.engine()
    old = world.value()
    # WHEN one local rotation runs
    report = rotate_in_process(engine, world.secret_id)
    # THEN AWSCURRENT holds a new key Synap accepts, labelled with the token
    new = world.value()
    assert new["key_id"] != old["key_id"]
    assert new["label"] == "keyops-" + report["token"]
    assert world.accepted(new["api_key"]) and world.accepted(old["api_key"])
    versions = world.versions()
    assert versions[report["token"]] == [CURRENT]
    old_version = next(v for v, s in versions.items() if PREVIOUS in s)
    [pin] = [s for s in versions[old_version] if parse_revoke_stage(s) is not None]
    revoke_at = parse_revoke_stage(pin)
    assert revoke_at is not None
    assert abs(revoke_at - (world.clock() + DEFAULT_GRACE_SECONDS)) < 30
    schedule = world.schedules()[revoke_schedule_name(old["key_id"])]
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["ScheduleExpression"].startswith("at(")
    assert json.loads(schedule["Target"]["Input"]) == {
        "action": "revoke",
        "SecretId": world.sm.describe_secret(SecretId=world.secret_id)["ARN"],
        "KeyId": old["key_id"],
    }
    assert report["deploy"]["result"] == "verified"
    assert [m[0] for m in engine.metrics.sent].count("RotationSucceeded") == 1
    world.check_invariants()
    assert_no_secret(rotation_logs.lines, new["api_key"], old["api_key"], world.emu.admin_key)
    # every line of the operation carries the context
    lines = [json.loads(x) for x in rotation_logs.lines if x.startswith("{")]
    assert lines and all("correlation_id" in line and "secret_id" in line for line in lines)
    assert any(line.get("step") == "createSecret" and "token" in line for line in lines)


def test_bootstrap_makes_the_first_key_of_an_empty_secret(world_factory: Any) -> None:
    world: World = world_factory(empty=True)
    rotate_in_process(world.engine(), world.secret_id)
    value = world.value()
    assert value["instance_id"] == world.instance_id
    assert world.accepted(value["api_key"])
    assert list(world.versions().values()) == [[CURRENT]]


def test_create_secret_twice_with_one_token_makes_one_key(world: World) -> None:
    engine = world.engine()
    token = "3f0c2b1e-0000-4000-8000-000000000001"
    run_step(engine, world.secret_id, token, "createSecret", local=True)
    first = world.value(PENDING, token)
    again = run_step(engine, world.secret_id, token, "createSecret", local=True)
    assert again["result"] == "exists"
    assert world.value(PENDING, token) == first
    labelled = [k for k in world.keys().values() if k.label == "keyops-" + token]
    assert len(labelled) == 1


def test_test_secret_has_no_side_effects(world: World) -> None:
    engine = world.engine()
    token = "3f0c2b1e-0000-4000-8000-000000000002"
    run_step(engine, world.secret_id, token, "createSecret", local=True)
    before = (world.sm.describe_secret(SecretId=world.secret_id), set(world.schedules()))
    run_step(engine, world.secret_id, token, "testSecret", local=True)
    run_step(engine, world.secret_id, token, "testSecret", local=True)
    after = (world.sm.describe_secret(SecretId=world.secret_id), set(world.schedules()))
    for data in (before[0], after[0]):
        data.pop("ResponseMetadata")
        data.pop("LastAccessedDate", None)
    assert before == after


def test_finish_secret_run_twice_converges(world: World) -> None:
    engine = world.engine()
    token = "3f0c2b1e-0000-4000-8000-000000000003"
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        run_step(engine, world.secret_id, token, step, local=True)
    state = (world.versions(), set(world.schedules()))
    again = run_step(engine, world.secret_id, token, "finishSecret", local=True)
    assert again["result"] == "already-current"
    assert (world.versions(), set(world.schedules())) == state
    world.check_invariants()


def test_a_second_rotation_is_refused_while_one_is_pending(world: World) -> None:
    from rotation.exceptions import RotationInProgressError

    engine = world.engine()
    run_step(
        engine, world.secret_id, "3f0c2b1e-0000-4000-8000-000000000004", "createSecret", local=True
    )
    with pytest.raises(RotationInProgressError, match="previous rotation isn't complete"):
        rotate_in_process(engine, world.secret_id)
    world.check_invariants()


def test_rotate_without_local_asks_secrets_manager(world: World) -> None:
    from rotation.engine.driver import rotate_remote

    before = set(world.versions())
    result = rotate_remote(world.engine(), world.secret_id)
    # moto's RotateSecret makes the new version itself (it cannot run a rotation Lambda)
    assert result["result"] == "rotation-started"
    assert result["token"] in set(world.versions()) - before
