"""Shared fixtures: the Synap emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rotation.emulator import EmulatorServer
from rotation.retry import RetryPolicy
from rotation.synap_client import SynapAdminClient


class SleepRecorder:
    """Stands in for time.sleep: records waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(":memory:") as emu:
        yield emu


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def synap(emulator: EmulatorServer, sleeps: SleepRecorder) -> Iterator[SynapAdminClient]:
    # Short read timeout so an injected "timeout" fault costs a fraction of a second.
    timeout = httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0)
    policy = RetryPolicy(rand=lambda: 0.5)
    with SynapAdminClient(
        emulator.url, emulator.admin_key, retry=policy, timeout=timeout, sleep=sleeps
    ) as client:
        yield client


def inject(emulator: EmulatorServer, **fault: object) -> None:
    """POST a fault to the emulator over HTTP, as an operator would."""
    fault.setdefault("delay", 2)
    response = httpx.post(
        f"{emulator.url}/_emulator/faults",
        json=fault,
        headers={"Authorization": f"Bearer {emulator.admin_key}"},
    )
    response.raise_for_status()
