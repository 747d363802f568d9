"""The emulator's own behaviour: storage, auth, fault API, clock, restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from rotation.emulator import EmulatorServer
from rotation.keys import fingerprint, is_key
from rotation.synap_client import SynapAdminClient


def admin(emu: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.admin_key}"}


def test_state_holds_only_hashes_and_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "synap.db"
    with EmulatorServer(state) as emu:
        seed = emu.seed
        assert seed.api_key is not None and is_key(seed.api_key)
        with SynapAdminClient(emu.url, emu.admin_key) as client:
            made = client.create_key(seed.instance_id, "second")
    raw = state.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("synap.db-*"))
    assert seed.api_key.encode() not in raw
    assert made.api_key.encode() not in raw
    rows = sqlite3.connect(state).execute("SELECT key_hash FROM keys").fetchall()
    assert {r[0] for r in rows} == {fingerprint(seed.api_key), fingerprint(made.api_key)}

    with EmulatorServer(state) as again:
        assert again.admin_key == seed.admin_key
        assert again.seed.instance_id == seed.instance_id
        assert again.seed.key_id == seed.key_id
        assert again.seed.api_key is None  # only the hash was kept
        with SynapAdminClient(again.url, again.admin_key) as client:
            assert client.verify_key(seed.instance_id, made.api_key)


def test_admin_routes_need_the_admin_key(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/v1/instances/{emulator.seed.instance_id}/api-keys"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["X-Correlation-Id"]
    # an API key is not an admin key
    seed_key = emulator.seed.api_key
    assert httpx.get(url, headers={"Authorization": f"Bearer {seed_key}"}).status_code == 401


def test_fault_api_validates_and_clears(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/_emulator/faults"
    bad = [
        {"op": "nope", "kind": "500"},
        {"op": "list_keys", "kind": "418"},
        {"op": "list_keys", "kind": "500", "count": 0},
        {"op": "list_keys", "kind": "500", "phase": "during"},
        ["not", "an", "object"],
    ]
    for body in bad:
        response = httpx.post(url, json=body, headers=admin(emulator))
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid_fault"
    assert httpx.post(url, json={"op": "*", "kind": "500"}).status_code == 401
    ok = httpx.post(
        url, json={"op": "list_keys", "kind": "503", "count": 4}, headers=admin(emulator)
    )
    assert ok.status_code == 201
    assert len(httpx.get(url, headers=admin(emulator)).json()["data"]) == 1
    assert httpx.delete(url, headers=admin(emulator)).status_code == 204
    assert httpx.get(url, headers=admin(emulator)).json()["data"] == []


def test_stats_count_requests_per_operation(emulator: EmulatorServer) -> None:
    with SynapAdminClient(emulator.url, emulator.admin_key) as client:
        client.list_keys(emulator.seed.instance_id)
        client.list_keys(emulator.seed.instance_id)
    stats = httpx.get(f"{emulator.url}/_emulator/stats", headers=admin(emulator)).json()
    assert stats["requests"]["list_keys"] == 2


def test_clock_moves_last_used_at(emulator: EmulatorServer) -> None:
    inst = emulator.seed.instance_id
    assert emulator.seed.api_key
    with SynapAdminClient(emulator.url, emulator.admin_key) as client:
        client.verify_key(inst, emulator.seed.api_key)
        first = client.list_keys(inst)[0].last_used_at
        moved = httpx.post(
            f"{emulator.url}/_emulator/clock",
            json={"advance_seconds": 3600},
            headers=admin(emulator),
        )
        assert moved.status_code == 200
        client.verify_key(inst, emulator.seed.api_key)
        second = client.list_keys(inst)[0].last_used_at
    assert first and second and second > first
    assert second[:13] != first[:13]  # an hour later


def test_add_instance_seeds_one_key(emulator: EmulatorServer) -> None:
    response = httpx.post(
        f"{emulator.url}/_emulator/instances",
        json={"instance_id": "inst_two"},
        headers=admin(emulator),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["instance_id"] == "inst_two" and is_key(body["api_key"])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nope", 404), ("PUT", "/_emulator/faults", 405)],
)
def test_unknown_routes(emulator: EmulatorServer, method: str, path: str, status: int) -> None:
    response = httpx.request(method, emulator.url + path)
    assert response.status_code == status
    assert set(response.json()) == {"error", "code", "details"}
