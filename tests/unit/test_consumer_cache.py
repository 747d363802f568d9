"""The refreshing cache and the key provider over it: TTL, jitter, single flight, 401 rule."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest

from rotation.consumer import KeyProvider, SecretFormatError, SecretUnavailableError, SynapKey
from rotation.consumer.cache import RefreshingCache
from rotation.exceptions import AuthenticationError
from rotation.keys import generate_key
from tests.functional.consumer_fixtures import FakeClock, StaticReader


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n


def test_value_is_reused_within_ttl_and_reloaded_after() -> None:
    clock, load = FakeClock(), Counter()
    cache = RefreshingCache(load, ttl_seconds=300, jitter=0.0, clock=clock)
    assert cache.get() == cache.get() == 1
    clock.advance(299.9)
    assert cache.get() == 1
    clock.advance(0.1)
    assert cache.get() == 2 and cache.loads == 2


@pytest.mark.parametrize("u", [0.0, 0.5, 0.999])
def test_jitter_only_shortens_the_ttl_by_up_to_ten_percent(u: float) -> None:
    clock, load = FakeClock(), Counter()
    cache = RefreshingCache(load, ttl_seconds=300, jitter=0.1, clock=clock, rand=lambda: u)
    cache.get()
    expiry = 300 * (1 - 0.1 * u)
    clock.advance(expiry - 0.01)
    assert cache.get() == 1
    clock.advance(0.02)
    assert cache.get() == 2
    assert 270 <= expiry <= 300


def test_secrets_manager_calls_per_hour_at_the_default_ttl() -> None:
    """The number the issue asks for: GetSecretValue calls per hour per process.

    A process calling Synap every second for an hour, real jitter (seeded).
    """
    import random

    rng = random.Random(7)
    clock, load = FakeClock(), Counter()
    cache = RefreshingCache(load, ttl_seconds=300, jitter=0.1, clock=clock, rand=rng.random)
    hours = 10
    for _ in range(hours * 3600):
        cache.get()
        clock.advance(1.0)
    per_hour = cache.loads / hours
    # one load per 270..300 s: 12.0..13.3 per hour, ~12.6 on average
    assert 12.0 <= per_hour <= 13.4, per_hour


def test_refresh_is_skipped_when_another_caller_already_replaced_the_value() -> None:
    clock, load = FakeClock(), Counter()
    cache = RefreshingCache(load, clock=clock, min_refresh_seconds=0)
    seen = cache.get()
    assert cache.refresh(seen) == 2  # forced
    assert cache.refresh(seen) == 2  # `seen` is stale: the newer value is returned, no load
    assert cache.loads == 2


def test_forced_refreshes_are_throttled() -> None:
    clock, load = FakeClock(), Counter()
    cache = RefreshingCache(load, clock=clock, min_refresh_seconds=5)
    cache.get()
    v = cache.refresh(cache.get())
    assert cache.refresh(v) == v  # within 5 s of the last forced load
    clock.advance(5)
    assert cache.refresh(v) == v + 1


def test_concurrent_first_use_loads_once() -> None:
    gate = threading.Event()
    calls = Counter()

    def slow() -> int:
        gate.wait(2)
        return calls()

    cache: RefreshingCache[int] = RefreshingCache(slow)
    out: list[int] = []
    threads = [threading.Thread(target=lambda: out.append(cache.get())) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert out == [1] * 8 and calls.n == 1


def test_transient_reload_failure_serves_the_cached_value_then_retries() -> None:
    clock = FakeClock()
    state: dict[str, Callable[[], int]] = {"load": lambda: 1}
    cache = RefreshingCache(lambda: state["load"](), ttl_seconds=300, jitter=0, clock=clock)
    assert cache.get() == 1

    def fail() -> int:
        raise SecretUnavailableError("throttled")

    state["load"] = fail
    clock.advance(300)
    assert cache.get() == 1  # stale but working
    state["load"] = lambda: 2
    clock.advance(29)
    assert cache.get() == 1  # retry_seconds (30) not yet over
    clock.advance(1)
    assert cache.get() == 2


def test_transient_failure_without_a_value_and_permanent_failures_raise() -> None:
    def fail() -> int:
        raise SecretUnavailableError("throttled")

    with pytest.raises(SecretUnavailableError):
        RefreshingCache(fail).get()
    with pytest.raises(SecretFormatError):
        RefreshingCache[int](lambda: (_ for _ in ()).throw(SecretFormatError("bad"))).get()


@pytest.mark.parametrize(("ttl", "jitter"), [(0, 0.1), (300, 1.0), (300, -0.1)])
def test_bad_settings_are_refused(ttl: float, jitter: float) -> None:
    with pytest.raises(ValueError, match=r"ttl_seconds|jitter"):
        RefreshingCache(Counter(), ttl_seconds=ttl, jitter=jitter)


# -- KeyProvider ---------------------------------------------------------------------


def key_json(api_key: str, key_id: str) -> str:
    return json.dumps({"api_key": api_key, "key_id": key_id, "instance_id": "inst_1"})


def provider_with(reader: StaticReader, clock: FakeClock | None = None) -> KeyProvider:
    return KeyProvider(reader.secret_id, reader=reader, clock=clock or FakeClock())


def test_provider_call_retries_once_with_a_newer_key_after_401() -> None:
    reader = StaticReader()
    old, new = generate_key(), generate_key()
    reader.put("AWSCURRENT", key_json(old, "key_old"), "v1")
    provider = provider_with(reader)
    provider.get()
    reader.put("AWSCURRENT", key_json(new, "key_new"), "v2")
    used: list[str] = []

    def call(key: SynapKey) -> str:
        used.append(key.key_id)
        if key.api_key != new:
            raise AuthenticationError("Synap answered 401")
        return "ok"

    assert provider.call(call) == "ok"
    assert used == ["key_old", "key_new"] and reader.calls == 2 and provider.auth_refreshes == 1


def test_provider_call_never_loops_on_a_second_401() -> None:
    reader = StaticReader()
    reader.put("AWSCURRENT", key_json(generate_key(), "key_old"), "v1")
    provider = provider_with(reader)
    provider.get()
    reader.put("AWSCURRENT", key_json(generate_key(), "key_new"), "v2")
    attempts: list[str] = []

    def always_401(key: SynapKey) -> str:
        attempts.append(key.key_id)
        raise AuthenticationError("Synap answered 401")

    with pytest.raises(AuthenticationError):
        provider.call(always_401)
    assert attempts == ["key_old", "key_new"] and reader.calls == 2


def test_provider_reads_other_stages_uncached() -> None:
    reader = StaticReader()
    reader.put("AWSCURRENT", key_json(generate_key(), "key_cur"), "v2")
    reader.put("AWSPENDING", key_json(generate_key(), "key_pend"), "v3")
    provider = provider_with(reader)
    assert provider.read_stage("AWSPENDING").key_id == "key_pend"
    assert provider.read_stage("AWSPENDING").stage == "AWSPENDING"
    assert reader.calls == 2


@pytest.mark.parametrize(
    "value",
    ['{"key_id": "k"}', '{"api_key": "synap_short"}', "[1, 2]", "not-a-key"],
)
def test_malformed_secret_values_are_a_format_error_without_the_value(value: str) -> None:
    reader = StaticReader()
    reader.put("AWSCURRENT", value, "v1")
    with pytest.raises(SecretFormatError) as info:
        provider_with(reader).get()
    assert value not in str(info.value)


def test_a_bare_key_value_is_accepted() -> None:
    reader = StaticReader()
    key = generate_key()
    reader.put("AWSCURRENT", key, "v1")
    assert provider_with(reader).get().api_key == key


def test_secret_id_and_ttl_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAP_API_KEY_SECRET_ID", "synap/env/api-key")
    monkeypatch.setenv("SYNAP_KEY_CACHE_TTL_SECONDS", "60")
    provider = KeyProvider(reader=StaticReader())
    assert provider.secret_id == "synap/env/api-key" and provider.cache.ttl_seconds == 60
    assert KeyProvider("explicit", reader=StaticReader(), ttl_seconds=10).secret_id == "explicit"
    monkeypatch.setenv("SYNAP_KEY_CACHE_TTL_SECONDS", "soon")
    with pytest.raises(ValueError, match="SYNAP_KEY_CACHE_TTL_SECONDS"):
        KeyProvider(reader=StaticReader())
    monkeypatch.delenv("SYNAP_API_KEY_SECRET_ID")
    with pytest.raises(ValueError, match="SYNAP_API_KEY_SECRET_ID"):
        KeyProvider(reader=StaticReader())


class SdkAuthError(Exception):
    """Another SDK's 401."""


def test_provider_call_accepts_another_sdks_auth_error() -> None:
    reader = StaticReader()
    old, new = generate_key(), generate_key()
    reader.put("AWSCURRENT", key_json(old, "key_old"), "v1")
    provider = KeyProvider(
        reader.secret_id, reader=reader, clock=FakeClock(), auth_errors=(SdkAuthError,)
    )
    provider.get()
    reader.put("AWSCURRENT", key_json(new, "key_new"), "v2")

    def call(key: SynapKey) -> str:
        if key.api_key != new:
            raise SdkAuthError("401")
        return "ok"

    assert provider.call(call) == "ok" and provider.auth_refreshes == 1
