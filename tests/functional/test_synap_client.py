"""The admin client against the emulator over real HTTP: operations, faults, retries, errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from rotation.emulator import EmulatorServer
from rotation.exceptions import (
    AuthenticationError,
    InvalidInputError,
    NetworkError,
    NetworkTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    SynapError,
)
from rotation.retry import RetryPolicy
from rotation.synap_client import SynapAdminClient
from tests.conftest import SleepRecorder, inject


def test_create_list_verify_revoke_round_trip(
    emulator: EmulatorServer, synap: SynapAdminClient
) -> None:
    inst = emulator.seed.instance_id
    created = synap.create_key(inst, "rotation-token-1")
    assert created.api_key.startswith("synap_") and len(created.api_key) == 64
    listed = {k.key_id: k for k in synap.list_keys(inst)}
    assert listed[created.key_id].status == "active"
    assert listed[created.key_id].label == "rotation-token-1"
    assert listed[created.key_id].last_used_at is None

    assert synap.verify_key(inst, created.api_key) is True
    assert synap.list_keys(inst)[-1].last_used_at is not None  # verify counts as use

    synap.revoke_key(inst, created.key_id)
    synap.revoke_key(inst, created.key_id)  # idempotent
    assert synap.verify_key(inst, created.api_key) is False
    assert {k.key_id: k.status for k in synap.list_keys(inst)}[created.key_id] == "revoked"


def test_seeded_key_is_accepted(emulator: EmulatorServer, synap: SynapAdminClient) -> None:
    assert emulator.seed.api_key is not None
    assert synap.verify_key(emulator.seed.instance_id, emulator.seed.api_key)


@pytest.mark.parametrize("kind", ["500", "503", "429", "timeout", "reset"])
@pytest.mark.parametrize("op", ["create_key", "list_keys", "revoke_key", "verify_key"])
def test_every_transient_fault_is_retried_then_succeeds(
    emulator: EmulatorServer, synap: SynapAdminClient, sleeps: SleepRecorder, op: str, kind: str
) -> None:
    inst = emulator.seed.instance_id
    spare = synap.create_key(inst, "spare")
    inject(emulator, op=op, kind=kind, count=2, retry_after=3)
    before = dict(synap.calls)
    if op == "create_key":
        synap.create_key(inst, "after-fault")
    elif op == "list_keys":
        synap.list_keys(inst)
    elif op == "revoke_key":
        synap.revoke_key(inst, spare.key_id)
    else:
        assert synap.verify_key(inst, spare.api_key)
    assert synap.calls[op] - before.get(op, 0) == 3  # two failures, one success
    expected = [3.0, 3.0] if kind == "429" else [0.5, 1.0]  # Retry-After vs full jitter
    assert sleeps.calls == expected


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("500", ServiceUnavailableError),
        ("503", ServiceUnavailableError),
        ("429", RateLimitError),
        ("timeout", NetworkTimeoutError),
        ("reset", NetworkError),
    ],
)
def test_persistent_fault_exhausts_three_attempts(
    emulator: EmulatorServer,
    synap: SynapAdminClient,
    sleeps: SleepRecorder,
    kind: str,
    error: type[SynapError],
) -> None:
    inject(emulator, op="list_keys", kind=kind, count=5, retry_after=2)
    with pytest.raises(error) as info:
        synap.list_keys(emulator.seed.instance_id)
    assert info.value.transient is True
    assert synap.calls["list_keys"] == 3
    assert len(sleeps.calls) == 2
    assert info.value.correlation_id
    if kind == "429":
        assert isinstance(info.value, RateLimitError)
        assert info.value.retry_after_seconds == 2


def test_wildcard_fault_hits_any_operation(
    emulator: EmulatorServer, synap: SynapAdminClient
) -> None:
    inject(emulator, op="*", kind="503", count=1)
    synap.list_keys(emulator.seed.instance_id)
    assert synap.calls["list_keys"] == 2


def test_wrong_admin_key_is_permanent_and_not_retried(
    emulator: EmulatorServer, sleeps: SleepRecorder
) -> None:
    with (
        SynapAdminClient(emulator.url, "synap_admin_wrong", sleep=sleeps) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.list_keys(emulator.seed.instance_id)
    assert client.calls == {"list_keys": 1}
    assert sleeps.calls == []
    assert info.value.status_code == 401
    assert info.value.transient is False


def test_unknown_instance_is_not_found(synap: SynapAdminClient, sleeps: SleepRecorder) -> None:
    with pytest.raises(NotFoundError) as info:
        synap.create_key("inst_missing", "x")
    assert info.value.code == "instance_not_found"
    assert sleeps.calls == []


def test_unknown_key_revoke_is_not_found(emulator: EmulatorServer, synap: SynapAdminClient) -> None:
    with pytest.raises(NotFoundError):
        synap.revoke_key(emulator.seed.instance_id, "key_does_not_exist")


def test_invalid_label_is_invalid_input(synap: SynapAdminClient) -> None:
    with pytest.raises(InvalidInputError):
        synap.create_key("inst_x", "")


def test_emulator_rejects_malformed_json(emulator: EmulatorServer) -> None:
    response = httpx.post(
        f"{emulator.url}/v1/instances/{emulator.seed.instance_id}/api-keys",
        content=b"{not json",
        headers={"Authorization": f"Bearer {emulator.admin_key}"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"error", "code", "details"}
    assert response.headers["X-Correlation-Id"]


@pytest.mark.parametrize("url", ["ftp://synap.example", "synap.example", "http://", ""])
def test_base_url_must_be_http(url: str) -> None:
    with pytest.raises(InvalidInputError, match="http"):
        SynapAdminClient(url, "admin")


def test_correlation_id_comes_from_the_response(
    emulator: EmulatorServer, synap: SynapAdminClient
) -> None:
    with pytest.raises(NotFoundError) as info:
        synap.list_keys("inst_missing")
    # The client sent its own id and the emulator echoed it back.
    assert info.value.correlation_id.startswith("cli-")
    direct = httpx.get(f"{emulator.url}/v1/instances/inst_missing")
    assert direct.headers["X-Correlation-Id"].startswith("emu-")


def test_lost_create_response_leaves_no_orphan(
    emulator: EmulatorServer, synap: SynapAdminClient
) -> None:
    # GIVEN the server makes the key but the response is lost (500 after the effect)
    inst = emulator.seed.instance_id
    inject(emulator, op="create_key", kind="500", count=1, phase="after")
    # WHEN the client retries
    created = synap.create_key(inst, "rotation-abc")
    # THEN exactly one key with that label is active: the one we hold
    active = [k for k in synap.list_keys(inst) if k.label == "rotation-abc" and k.active]
    assert [k.key_id for k in active] == [created.key_id]


def test_unreachable_server_is_a_network_error(sleeps: SleepRecorder) -> None:
    with (
        SynapAdminClient("http://127.0.0.1:9", "admin", sleep=sleeps) as client,
        pytest.raises(NetworkError),
    ):
        client.list_keys("inst_x")
    assert len(sleeps.calls) == 2


def test_no_key_in_logs_or_exceptions(
    emulator: EmulatorServer,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    made: list[str] = [emulator.admin_key]
    texts: list[str] = []
    client = SynapAdminClient(
        emulator.url,
        emulator.admin_key,
        retry=RetryPolicy(rand=lambda: 0),
        timeout=httpx.Timeout(0.3),
        sleep=sleeps,
    )
    inst = emulator.seed.instance_id
    for kind in ["500", "429", "timeout", "reset"]:
        created = client.create_key(inst, f"label-{kind}")
        made.append(created.api_key)
        texts.append(repr(created))
        inject(emulator, op="*", kind=kind, count=3)
        try:
            client.verify_key(inst, created.api_key)
        except SynapError as exc:
            texts += [str(exc), repr(exc), str(exc.to_dict())]
        client.revoke_key(inst, created.key_id)
        assert client.verify_key(inst, created.api_key) is False
    client.close()
    with (
        SynapAdminClient(emulator.url, made[1]) as wrong,
        pytest.raises(AuthenticationError) as info,
    ):
        wrong.list_keys(inst)
    texts.append(str(info.value))
    texts += [r.getMessage() + str(r.__dict__) for r in caplog.records]
    assert caplog.records, "the faults above must have been logged"
    for key in made:
        assert all(key not in text for text in texts)
