"""Reliability: the six invariants of docs/architecture.md under every fault at every call.

- each fault kind at each call index of a rotation, and a crash between any two calls
  followed by the service's retry of the same step (exhaustive, deterministic);
- randomized fault schedules with hypothesis: 300 in ``make test``, more with
  ``SYNAP_CHAOS_EXAMPLES`` under ``make chaos`` (marker ``slow``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotation.engine.driver import rotate_in_process
from tests.functional.conftest import World
from tests.functional.rotation_chaos import KINDS, Outcome, run_schedule

STATS: dict[str, int] = {"schedules": 0, "broken": 0, "faults_fired": 0}


@pytest.fixture(scope="module")
def calls_per_rotation(world_factory_module: Any) -> int:
    world: World = world_factory_module()
    report = rotate_in_process(world.engine(), world.secret_id)
    return sum(report["calls"].values())


def _run(world: World, faults: dict[int, str]) -> Outcome:
    STATS["schedules"] += 1
    try:
        outcome = run_schedule(world, faults)
    except BaseException:
        STATS["broken"] += 1
        raise
    STATS["faults_fired"] += len(outcome.fired)
    return outcome


def _every_call(world_factory: Any, n: int, kind_at: Any) -> int:
    fired = 0
    for index in range(n + 2):
        world: World = world_factory()
        outcome = _run(world, {index: kind_at(index)})
        fired += len(outcome.fired)
    return fired


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kind", ["crash", "lost-response", "mixed"])
def test_every_call_fails_once_and_the_invariants_hold(
    kind: str, calls_per_rotation: int, world_factory_module: Any
) -> None:
    # GIVEN a rotation of N calls (AWS and Synap); WHEN call i fails (i = 0..N+1):
    # "crash" = the process dies before call i, then the service retries the step;
    # "lost-response" = call i is applied, its answer lost; "mixed" = call i gets one of
    # 500 / 429 (+Retry-After) / timeout / connection reset, the kind cycling with i.
    plain = [k for k in KINDS if k not in ("crash", "lost-response")]
    fired = _every_call(
        world_factory_module,
        calls_per_rotation,
        (lambda i: plain[i % len(plain)]) if kind == "mixed" else (lambda i: kind),
    )
    # THEN every run kept the invariants (checked inside) and the faults really fired
    assert fired >= calls_per_rotation


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("kind", KINDS)
def test_every_fault_kind_at_every_call(
    kind: str, calls_per_rotation: int, world_factory_module: Any
) -> None:
    fired = _every_call(world_factory_module, calls_per_rotation, lambda i: kind)
    assert fired >= calls_per_rotation


def test_a_fault_then_a_crash_then_faults_again(world_factory_module: Any) -> None:
    world: World = world_factory_module()
    outcome = _run(world, {3: "crash", 4: "lost-response", 9: "timeout", 12: "crash", 15: "500"})
    assert len(outcome.fired) >= 4


EXAMPLES = int(os.environ.get("SYNAP_CHAOS_EXAMPLES", "300"))

schedules = st.dictionaries(
    keys=st.integers(min_value=0, max_value=36),
    values=st.sampled_from(KINDS),
    min_size=1,
    max_size=5,
)


def _property(world_factory_module: Any, faults: dict[int, str]) -> None:
    world: World = world_factory_module()
    _run(world, faults)


@pytest.mark.timeout(900)
@settings(
    max_examples=min(EXAMPLES, 300),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(faults=schedules)
def test_random_fault_schedules_keep_the_invariants(
    world_factory_module: Any, faults: dict[int, str]
) -> None:
    _property(world_factory_module, faults)


@pytest.mark.slow
@pytest.mark.timeout(0)
@settings(
    max_examples=int(os.environ.get("SYNAP_CHAOS_EXAMPLES", "5000")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(faults=schedules)
def test_long_chaos_run(world_factory_module: Any, faults: dict[int, str]) -> None:
    _property(world_factory_module, faults)


def test_report_chaos_numbers() -> None:
    # Printed with -s; the issue asks for schedules run and invariants broken (0).
    print(f"\nchaos: {STATS}")
    assert STATS["broken"] == 0


@pytest.mark.slow
def test_report_long_chaos_numbers() -> None:
    test_report_chaos_numbers()
