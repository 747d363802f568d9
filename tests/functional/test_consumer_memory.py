"""The emulator's memory endpoints, through the consumer library, over real HTTP.

Secrets Manager is not the subject here, so the key comes from an in-memory reader;
the rotation tests use the moto server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from rotation.consumer import (
    EmfMetrics,
    KeyProvider,
    SynapCallGuard,
    SynapMemoryClient,
    preview_alarms,
)
from rotation.emulator import EmulatorServer
from rotation.exceptions import InvalidInputError
from tests.conftest import inject
from tests.functional.consumer_fixtures import StaticReader, key_value


@dataclass
class Client:
    memory: SynapMemoryClient
    guard: SynapCallGuard
    lines: list[str]

    def last(self) -> dict[str, object]:
        record: dict[str, object] = json.loads(self.lines[-1])
        return record


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[Client]:
    seed = emulator.seed
    assert seed.api_key is not None
    reader = StaticReader()
    reader.put("AWSCURRENT", key_value(seed.api_key, seed.key_id, seed.instance_id), "v1")
    provider = KeyProvider(reader.secret_id, reader=reader)
    lines: list[str] = []
    guard = SynapCallGuard(EmfMetrics(seed.instance_id, write=lines.append))
    timeout = httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0)
    with SynapMemoryClient(emulator.url, provider, timeout=timeout) as memory:
        yield Client(memory, guard, lines)


def admin(emulator: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator.admin_key}"}


def test_create_then_fetch_in_fast_and_accurate_mode(client: Client) -> None:
    created = client.memory.create_memory("Ada prefers green tea in the mornings", user_id="u1")
    assert created["memory_id"].startswith("mem_")
    fast = client.memory.fetch_context("what tea does she prefer", mode="fast", user_id="u1")
    assert [m["content"] for m in fast] == ["Ada prefers green tea in the mornings"]
    # "morning" only shares a stem with "mornings": accurate finds it, fast does not
    assert client.memory.fetch_context("morning", mode="fast") == []
    assert len(client.memory.fetch_context("morning", mode="accurate")) == 1
    assert client.memory.fetch_context("tea", user_id="someone-else") == []


def test_zero_results_are_counted_without_an_error(client: Client) -> None:
    result = client.guard.call(
        "context.fetch",
        lambda: client.memory.fetch_context("nothing stored yet", mode="accurate"),
        mode="accurate",
        zero_results=lambda items: not items,
    )
    assert result == []
    record = client.last()
    assert (record["ZeroResults"], record["Errors"], record["Mode"]) == (1, 0, "accurate")


@pytest.mark.parametrize(
    ("kind", "metric"),
    [("503", "Errors"), ("429", "RateLimited"), ("timeout", "Errors"), ("reset", "Errors")],
)
def test_transient_failures_degrade_to_none_and_are_counted(
    client: Client, emulator: EmulatorServer, kind: str, metric: str
) -> None:
    inject(emulator, op="context_fetch", kind=kind, count=1, delay=1)
    result = client.guard.call(
        "context.fetch", lambda: client.memory.fetch_context("tea"), mode="fast"
    )
    assert result is None
    record = client.last()
    assert record[metric] == 1 and record["Errors"] == 1 and record["AuthFailures"] == 0
    assert isinstance(record["correlation_id"], str) and record["correlation_id"]
    # the fault is spent: the next call goes through
    assert client.guard.call("context.fetch", lambda: client.memory.fetch_context("tea")) == []


def test_permanent_failures_are_raised_not_swallowed(client: Client) -> None:
    with pytest.raises(InvalidInputError):
        client.guard.call(
            "memories.create",
            lambda: client.memory.create_memory("x", mode="slow"),  # type: ignore[arg-type]
            mode="fast",
        )
    assert client.last()["Errors"] == 1


def test_memory_endpoints_require_an_instance_api_key(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/v1/instances/{emulator.seed.instance_id}/memories"
    r = httpx.post(url, json={"content": "x"}, headers=admin(emulator))
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_injected_latency_holds_only_the_matching_operation_and_mode(
    client: Client, emulator: EmulatorServer
) -> None:
    # A real 80 ms hold in the emulator (not a sleep in the test): the wrapper's
    # Latency must show it for context.fetch accurate and not for fast.
    r = httpx.post(
        f"{emulator.url}/_emulator/latency",
        json={"op": "context_fetch", "mode": "accurate", "ms": 80},
        headers=admin(emulator),
    )
    assert r.status_code == 201
    client.guard.call(
        "context.fetch", lambda: client.memory.fetch_context("tea", mode="fast"), mode="fast"
    )
    fast = client.last()["Latency"]
    started = time.perf_counter()
    client.guard.call(
        "context.fetch",
        lambda: client.memory.fetch_context("tea", mode="accurate"),
        mode="accurate",
    )
    assert time.perf_counter() - started >= 0.08
    accurate = client.last()["Latency"]
    assert isinstance(fast, float | int) and isinstance(accurate, float | int)
    assert accurate >= 80 > fast
    httpx.delete(f"{emulator.url}/_emulator/latency", headers=admin(emulator)).raise_for_status()


def test_latency_and_fault_requests_are_validated(emulator: EmulatorServer) -> None:
    bad = [
        {"op": "verify_key", "ms": 10},
        {"op": "context_fetch", "mode": "slow", "ms": 10},
        {"op": "context_fetch", "ms": -1},
    ]
    for body in bad:
        r = httpx.post(f"{emulator.url}/_emulator/latency", json=body, headers=admin(emulator))
        assert r.status_code == 400, body


def test_injected_errors_are_an_alarms_input(client: Client, emulator: EmulatorServer) -> None:
    # GIVEN Synap fails 3 of 20 context.fetch calls (the demo's "bad day")
    inject(emulator, op="context_fetch", kind="503", count=3)
    results = [
        client.guard.call("context.fetch", lambda: client.memory.fetch_context("tea"))
        for _ in range(20)
    ]
    # THEN the app degraded 3 times and the error-rate alarm's input is 15 % (> 1 %)
    assert results.count(None) == 3
    checks = {c.alarm: c for c in preview_alarms(client.lines, emulator.seed.instance_id)}
    assert checks["error-rate"].value == pytest.approx(15.0) and checks["error-rate"].breached
    assert not checks["auth-failures"].breached
