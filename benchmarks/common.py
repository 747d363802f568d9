"""Shared pieces of the rotation, audit, cold-start and policy benchmarks.

Rows in the shape ``benchmarks/run.py`` prints, ratios, medians, a botocore call counter,
and a fleet of managed secrets created directly with boto3 on a :class:`LocalStack`
(moto + the Synap emulator on 127.0.0.1), tagged as the rotation engine expects.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rotation.contract import INSTANCE_TAG, KIND_TAG
from scripts.local_stack import LocalStack

Row = dict[str, Any]

__all__ = [
    "CallCounter",
    "Row",
    "aws_environment",
    "bench_stack",
    "best_of",
    "engine_for",
    "make_fleet",
    "median_of",
    "ratio",
    "row",
]


def row(
    bench: str,
    metric: str,
    ours: Any,
    peer: str,
    peer_value: Any,
    ratio_value: float | None,
    target: str,
    ok: bool | None,
    **extra: Any,
) -> Row:
    """One table row; ``extra`` (breakdowns, raw samples) goes to build/bench.json only."""
    return {
        "bench": bench,
        "metric": metric,
        "ours": ours,
        "peer": peer,
        "peer_value": peer_value,
        "ratio": ratio_value,
        "target": target,
        "ok": ok,
        **extra,
    }


def ratio(ours: float | None, peer: float | None, digits: int = 3) -> float | None:
    """``ours / peer`` rounded, or None when either side is missing or the peer is zero."""
    if ours is None or peer is None or peer == 0:
        return None
    return round(ours / peer, digits)


def median_of(samples: list[float]) -> float:
    return float(statistics.median(samples))


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` runs of ``fn`` and the last run's value."""
    best, value = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


class CallCounter:
    """Counts API calls of boto3 clients through botocore's ``before-call`` event."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call.*.*", self._on_call)
        return client

    def _on_call(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        self.calls[name] = self.calls.get(name, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextmanager
def aws_environment(env: dict[str, str]) -> Iterator[None]:
    """This process's AWS_* variables pointed at the stack's moto server, restored after."""
    names = [k for k in env if k.startswith("AWS_")]
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: env[k] for k in names})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


#: moto keeps one state per process (every ThreadedMotoServer shares it) keyed by region:
#: each bench stack takes its own region, so benches and tests in one process never see
#: each other's secrets (nor the admin secret every LocalStack creates).
_REGIONS = itertools.cycle(
    (
        "ap-southeast-3",
        "ap-south-2",
        "eu-south-2",
        "eu-central-2",
        "me-central-1",
        "ap-southeast-4",
        "il-central-1",
        "ca-west-1",
        "ap-northeast-3",
        "eu-north-1",
        "af-south-1",
        "me-south-1",
    )
)


def bench_stack() -> LocalStack:
    """A :class:`LocalStack` in a region of its own (moto 5.2 regions; the runbook tests
    use ca-central-1, the functional tests us-east-1)."""
    return LocalStack(region=next(_REGIONS))


def make_fleet(stack: Any, count: int, prefix: str) -> list[str]:
    """``count`` managed secrets, each holding the seeded key of a fresh Synap instance.

    Created directly with boto3 (value in the engine's JSON shape, tags ``synap:kind`` and
    ``synap:instance``) rather than through ``synap-rotation adopt``, which costs a
    subprocess per secret; one at a time (moto's CreateSecret is not thread-safe).
    """
    sm = stack.sm
    run = uuid.uuid4().hex[:8]

    def create(index: int) -> str:
        seed = stack.new_instance()
        name = f"{prefix}/{run}/{index:05d}/api-key"
        value = {
            "api_key": seed.api_key,
            "key_id": seed.key_id,
            "instance_id": seed.instance_id,
            "label": "seed",
            "created_at": "2026-01-01T00:00:00Z",
        }
        sm.create_secret(
            Name=name,
            SecretString=json.dumps(value),
            Tags=[
                {"Key": KIND_TAG, "Value": "api-key"},
                {"Key": INSTANCE_TAG, "Value": seed.instance_id},
            ],
        )
        return name

    return [create(i) for i in range(count)]


def engine_for(stack: Any, session: Any = None) -> Any:
    """An in-process rotation engine on the stack (AWS_* must be set: aws_environment)."""
    from rotation.engine.aws import AwsClients
    from rotation.engine.config import Config
    from rotation.engine.context import Engine
    from scripts.local_stack import ADMIN_SECRET_ID

    return Engine(
        Config(api_url=stack.emu.url, admin_secret_id=ADMIN_SECRET_ID),
        clients=AwsClients(session=session),
    )
