"""An application using the consumer library across a rotation of its Synap key.

Real HTTP: the Synap emulator for Synap, a moto server for Secrets Manager. Time is a
fake clock shared by the key cache and the test, so "5 minutes" and "48 hours" pass
instantly.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from rotation.consumer import (
    EmfMetrics,
    KeyProvider,
    SynapCallGuard,
    SynapMemoryClient,
)
from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.emulator import EmulatorServer
from rotation.exceptions import AuthenticationError
from rotation.synap_client import SynapAdminClient
from tests.functional.consumer_fixtures import (
    FakeClock,
    ManualRotation,
    key_value,
    moto_endpoint,
    sm,
    unique,
)

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["moto_endpoint", "sm"]  # fixtures used by name below


@dataclass
class App:
    """A stand-in application: provider + memory client + guard, EMF lines collected."""

    provider: KeyProvider
    memory: SynapMemoryClient
    guard: SynapCallGuard
    lines: list[str]
    clock: FakeClock
    secret_id: str

    def work(self, n: int) -> list[object | None]:
        """One create and one fetch per step; returns every result (None = degraded)."""
        out: list[object | None] = []
        for i in range(n):
            out.append(
                self.guard.call(
                    "memories.create",
                    functools.partial(self.memory.create_memory, f"user likes tea number {i}"),
                    mode="fast",
                )
            )
            out.append(
                self.guard.call(
                    "context.fetch",
                    lambda: self.memory.fetch_context("tea", mode="fast"),
                    mode="fast",
                    zero_results=lambda items: not items,
                )
            )
        return out

    def metric_sums(self) -> dict[str, float]:
        sums: dict[str, float] = {}
        for line in self.lines:
            record = json.loads(line)
            for name in ("Requests", "Errors", "AuthFailures", "RateLimited", "ZeroResults"):
                sums[name] = sums.get(name, 0) + record[name]
        return sums


@pytest.fixture
def app(emulator: EmulatorServer, sm: SecretsManagerClient) -> Iterator[App]:
    seed = emulator.seed
    assert seed.api_key is not None
    secret_id = unique("synap/app/api-key")
    sm.create_secret(
        Name=secret_id, SecretString=key_value(seed.api_key, seed.key_id, seed.instance_id)
    )
    clock = FakeClock()
    provider = KeyProvider(secret_id, client=sm, clock=clock, rand=lambda: 0.5)
    lines: list[str] = []
    guard = SynapCallGuard(EmfMetrics(seed.instance_id, write=lines.append, clock=clock))
    with SynapMemoryClient(emulator.url, provider) as memory:
        yield App(provider, memory, guard, lines, clock, secret_id)


def test_app_keeps_working_across_a_full_rotation_with_zero_failed_calls(
    app: App, sm: SecretsManagerClient, synap: SynapAdminClient, emulator: EmulatorServer
) -> None:
    instance = emulator.seed.instance_id
    results = app.work(3)
    old = app.provider.get()

    # GIVEN a rotation that creates, tests and promotes a new key while the app runs
    rotation = ManualRotation(sm, synap, app.secret_id, instance)
    rotation.create()
    results += app.work(2)
    rotation.test()
    rotation.finish()
    results += app.work(2)
    assert app.provider.get().key_id == old.key_id  # still cached: the old key still works

    # WHEN the cache TTL passes, the app picks the new key up by itself
    app.clock.advance(300)
    results += app.work(2)
    assert app.provider.get().key_id == rotation.new_key_id

    # AND after the 48 h grace the old key is revoked
    app.clock.advance(DEFAULT_GRACE_SECONDS)
    rotation.revoke_old()
    results += app.work(3)

    # THEN no call failed, no call needed the 401 path, and the metrics say so
    assert all(r is not None for r in results), results
    assert app.provider.auth_refreshes == 0
    sums = app.metric_sums()
    assert sums["Requests"] == len(results) == 24
    assert sums["Errors"] == sums["AuthFailures"] == 0
    keys = {k.key_id: k for k in synap.list_keys(instance)}
    assert keys[old.key_id].status == "revoked"
    assert keys[rotation.new_key_id].status == "active"


def test_401_after_an_early_revoke_triggers_exactly_one_refresh(
    app: App, sm: SecretsManagerClient, synap: SynapAdminClient, emulator: EmulatorServer
) -> None:
    instance = emulator.seed.instance_id
    assert all(r is not None for r in app.work(1))
    reads_before = app.provider.reader.calls

    # GIVEN a rotation promoted the new key and the old one was revoked at once
    rotation = ManualRotation(sm, synap, app.secret_id, instance)
    rotation.create()
    rotation.finish()
    rotation.revoke_old()

    # WHEN the app, still holding the old key in cache, makes calls
    results = app.work(2)

    # THEN the first 401 re-read AWSCURRENT exactly once and every call succeeded
    assert all(r is not None for r in results)
    assert app.provider.reader.calls - reads_before == 1
    assert app.provider.auth_refreshes == 1
    assert app.provider.get().key_id == rotation.new_key_id
    assert app.metric_sums()["AuthFailures"] == 0


def test_401_with_no_newer_key_refreshes_once_then_fails_permanently(
    app: App, synap: SynapAdminClient, emulator: EmulatorServer
) -> None:
    app.work(1)
    reads_before = app.provider.reader.calls
    # GIVEN the key was revoked but nobody rotated the secret (a real incident)
    synap.revoke_key(emulator.seed.instance_id, emulator.seed.key_id)

    # WHEN a call is made, THEN one re-read, no retry with the same key, a permanent error
    with pytest.raises(AuthenticationError):
        app.guard.call("context.fetch", lambda: app.memory.fetch_context("tea"), mode="fast")
    assert app.provider.reader.calls - reads_before == 1
    record = json.loads(app.lines[-1])
    assert record["AuthFailures"] == 1 and record["Errors"] == 1
    assert record["correlation_id"]

    # AND a burst of further 401s within the throttle window costs no more reads
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            app.memory.fetch_context("tea")
    assert app.provider.reader.calls - reads_before == 1


def test_concurrent_401s_share_one_refresh(
    app: App, sm: SecretsManagerClient, synap: SynapAdminClient, emulator: EmulatorServer
) -> None:
    app.work(1)
    rotation = ManualRotation(sm, synap, app.secret_id, emulator.seed.instance_id)
    rotation.create()
    rotation.finish()
    rotation.revoke_old()
    reads_before = app.provider.reader.calls

    results: list[object | None] = []
    lock = threading.Lock()

    def worker() -> None:
        got = app.work(2)
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(results) == 24 and all(r is not None for r in results)
    assert app.provider.reader.calls - reads_before == 1
