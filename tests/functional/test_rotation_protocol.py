"""Bad input: the engine refuses it clearly and leaves the secret as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rotation.engine.steps import run_step
from rotation.exceptions import ConfigError, NotFoundError, SecretValueError, StepError
from rotation.handler import dispatch, lambda_handler
from tests.functional.conftest import World

EVENTS = Path(__file__).parent.parent / "events"
TOKEN = "5e5e5e5e-0000-4000-8000-0000000000bb"


def _state(world: World) -> tuple[dict[str, list[str]], dict[str, Any]]:
    return world.versions(), world.value()


def test_unknown_step(world: World) -> None:
    event = {"SecretId": world.secret_id, "ClientRequestToken": TOKEN, "Step": "dropSecret"}
    with pytest.raises(StepError, match="unknown rotation step"):
        dispatch(world.engine(), event)


def test_unknown_action(world: World) -> None:
    with pytest.raises(StepError, match="unknown action"):
        dispatch(world.engine(), {"action": "explode"})


def test_rotation_disabled_is_refused_by_the_lambda_path(world: World) -> None:
    before = _state(world)
    event = {"SecretId": world.secret_id, "ClientRequestToken": TOKEN, "Step": "createSecret"}
    with pytest.raises(StepError, match="rotation is not enabled"):
        dispatch(world.engine(), event)
    assert _state(world) == before


def test_wrong_token(world: World) -> None:
    engine = world.engine()
    with pytest.raises(StepError, match="not a version"):
        run_step(engine, world.secret_id, TOKEN, "setSecret", local=True)
    current = world.holder("AWSCURRENT")
    assert current is not None
    # a token that is already AWSCURRENT means the rotation is done
    assert run_step(engine, world.secret_id, current, "testSecret", local=True)["result"] == (
        "nothing-to-do"
    )


def test_malformed_secret_json_leaves_the_secret_alone(world: World) -> None:
    world.sm.put_secret_value(SecretId=world.secret_id, SecretString='{"api_key": 1')
    before = world.versions()
    keys = set(world.keys())
    with pytest.raises(SecretValueError, match="not valid JSON") as info:
        run_step(world.engine(), world.secret_id, TOKEN, "createSecret", local=True)
    assert "api_key" not in str(info.value) or "1" not in str(info.value)
    assert world.versions() == before
    assert set(world.keys()) == keys


def test_missing_admin_secret(world: World) -> None:
    engine = world.engine(admin_secret_id="synap/test/no-such-admin")
    with pytest.raises(ConfigError, match="has no AWSCURRENT value"):
        run_step(engine, world.secret_id, TOKEN, "createSecret", local=True)
    assert world.holder("AWSPENDING") is None


def test_instance_synap_does_not_know(world: World) -> None:
    value = world.value()
    value["instance_id"] = "inst_00000000deadbeef"
    world.sm.put_secret_value(SecretId=world.secret_id, SecretString=json.dumps(value))
    before = world.versions()
    with pytest.raises(NotFoundError):
        run_step(world.engine(), world.secret_id, TOKEN, "createSecret", local=True)
    assert world.versions() == before


def test_bad_environment_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNAP_API_URL", raising=False)
    with pytest.raises(ConfigError, match="SYNAP_API_URL"):
        lambda_handler({"action": "sweep"}, None)
    monkeypatch.setenv("SYNAP_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SYNAP_ADMIN_SECRET_ID", "x")
    monkeypatch.setenv("SYNAP_DEPLOYERS", '{"*": [{"type": "ecs"}]}')
    with pytest.raises(ConfigError, match="SYNAP_DEPLOYERS"):
        lambda_handler({"action": "sweep"}, None)


def test_lambda_handler_runs_the_sample_events(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNAP_API_URL", world.emu.url)
    monkeypatch.setenv("SYNAP_ADMIN_SECRET_ID", world.admin_secret_id)
    status_event = json.loads((EVENTS / "status.json").read_text())
    status_event["SecretId"] = world.secret_id
    shown = lambda_handler(status_event, None)
    assert shown["current"]["key_id"] == world.value()["key_id"]
    for step in ("create", "set", "test", "finish"):
        event = json.loads((EVENTS / f"{step}_secret.json").read_text())
        assert set(event) == {"SecretId", "ClientRequestToken", "Step"}
        assert event["Step"] == f"{step}Secret"


def test_create_secret_refuses_a_pending_value_it_did_not_make(world: World) -> None:
    # GIVEN a pending version holding a copy of the current value (what the service's
    # RotateImmediately=false placeholder looks like in moto)
    world.sm.put_secret_value(
        SecretId=world.secret_id,
        ClientRequestToken=TOKEN,
        SecretString=json.dumps(world.value()),
        VersionStages=["AWSPENDING"],
    )
    # THEN createSecret will not adopt the copy (promoting it would later revoke the key
    # that is still in use)
    with pytest.raises(StepError, match="did not make"):
        run_step(world.engine(), world.secret_id, TOKEN, "createSecret", local=True)
    assert world.value()["key_id"] == world.seed.key_id


def test_lambda_logs_are_json_lines_with_context_and_no_key(
    world: World, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import logging
    from types import SimpleNamespace

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "synap-rotation")
    monkeypatch.setenv("SYNAP_API_URL", world.emu.url)
    monkeypatch.setenv("SYNAP_ADMIN_SECRET_ID", world.admin_secret_id)
    logger = logging.getLogger("rotation")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    try:
        lambda_handler(
            {"action": "status", "SecretId": world.secret_id},
            SimpleNamespace(aws_request_id="req-123"),
        )
    finally:
        logger.handlers[:] = saved[0]
        logger.propagate, logger.level = saved[1], saved[2]
    lines = [json.loads(x) for x in capfd.readouterr().err.splitlines() if x.startswith("{")]
    assert lines, "no JSON log line"
    assert all(line["correlation_id"] == "req-123" for line in lines)
    assert not any("synap_" in json.dumps(line) for line in lines)
