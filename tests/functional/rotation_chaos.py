"""Fault injection for the rotation engine: every call, AWS and Synap alike, can fail.

A :class:`FaultPlan` maps the n-th outbound call of a rotation (AWS API calls and Synap
HTTP requests share one counter) to a fault. AWS faults are raised in botocore's own
event hooks (``before-send``: nothing reached moto; ``after-call``: moto applied the
call and the response was lost). Synap faults are injected into the emulator over HTTP
(``POST /_emulator/faults``) just before the request goes out, so the emulator itself
answers 500 / 429 + Retry-After, holds the request past the read timeout, or resets
the connection. ``crash`` raises :class:`SimulatedCrash` (a BaseException, as the
process dying would skip every ``except Exception``), after which a fresh engine
retries the same step with the same token, as the service does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from rotation.emulator import EmulatorServer
from rotation.engine.aws import AwsClients
from rotation.engine.context import Engine
from rotation.engine.decide import CURRENT, PENDING
from rotation.engine.driver import rotate_in_process
from rotation.engine.operations import repair
from rotation.exceptions import KeyOpsError, StepError
from tests.functional.conftest import World, assert_no_secret

KINDS = ("500", "429", "timeout", "reset", "lost-response", "crash")


class SimulatedCrash(BaseException):
    """The process dies here (Lambda timeout, out of memory, host lost)."""


def _synap_op(request: httpx.Request) -> str | None:
    path = request.url.path
    if path.startswith("/_emulator"):
        return None
    if path.endswith("/api-keys"):
        return "create_key" if request.method == "POST" else "list_keys"
    if "/api-keys/" in path:
        return "revoke_key"
    return "verify_key"


_SYNAP_FAULTS: dict[str, dict[str, Any]] = {
    "500": {"kind": "500"},
    "429": {"kind": "429", "retry_after": 1},
    "timeout": {"kind": "timeout", "delay": 0.25},
    "reset": {"kind": "reset"},
    "lost-response": {"kind": "500", "phase": "after"},
}


@dataclass
class FaultPlan:
    faults: dict[int, str]
    emu: EmulatorServer
    index: int = 0
    enabled: bool = True
    fired: list[tuple[int, str, str]] = field(default_factory=list)

    def take(self, target: str) -> str | None:
        if not self.enabled:
            return None
        i = self.index
        self.index += 1
        kind = self.faults.get(i)
        if kind is not None:
            self.fired.append((i, target, kind))
        return kind

    # -- AWS -------------------------------------------------------------------------

    def _before_send(self, request: Any, **_: Any) -> None:
        from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

        kind = self.take("aws")
        if kind is None:
            return
        if kind == "crash":
            raise SimulatedCrash
        if kind == "lost-response":
            self._lost = True  # let moto apply it, then lose the answer
            return
        if kind == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "reset":
            raise ConnectionClosedError(endpoint_url=request.url)
        code, status = ("ThrottlingException", 429) if kind == "429" else ("InternalFailure", 500)
        response: Any = {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        raise ClientError(response, "injected")

    def _after_call(self, **_: Any) -> None:
        from botocore.exceptions import ConnectionClosedError

        if getattr(self, "_lost", False):
            self._lost = False
            raise ConnectionClosedError(endpoint_url="moto (response lost after the call applied)")

    # -- Synap -----------------------------------------------------------------------

    def synap_hook(self, request: httpx.Request) -> None:
        op = _synap_op(request)
        if op is None:
            return
        kind = self.take("synap")
        if kind is None:
            return
        if kind == "crash":
            raise SimulatedCrash
        fault = {"op": op, "count": 1, **_SYNAP_FAULTS[kind]}
        httpx.post(
            f"{self.emu.url}/_emulator/faults",
            json=fault,
            headers={"Authorization": f"Bearer {self.emu.admin_key}"},
        ).raise_for_status()


class _Dispatch:
    """botocore handlers registered once on shared clients, forwarding to the live plan."""

    def __init__(self) -> None:
        self.plan: FaultPlan | None = None

    def before_send(self, **kwargs: Any) -> None:
        if self.plan is not None:
            self.plan._before_send(**kwargs)

    def after_call(self, **kwargs: Any) -> None:
        if self.plan is not None:
            self.plan._after_call(**kwargs)

    def hook_client(self, client: Any) -> None:
        client.meta.events.register("before-send.*.*", self.before_send)
        client.meta.events.register("after-call.*.*", self.after_call)


_SHARED: dict[int, tuple[AwsClients, _Dispatch]] = {}


def _shared_clients(world: World) -> tuple[AwsClients, _Dispatch]:
    # Clients are reused across engines (a "crashed" engine's in-memory state is what
    # a new process loses; botocore client objects are not state): building three
    # clients per engine would dominate the run time.
    key = id(world.session)
    if key not in _SHARED:
        dispatch = _Dispatch()
        clients = AwsClients(
            session=world.session, max_attempts=1, read_timeout=5, connect_timeout=2
        )
        clients.on_client.append(dispatch.hook_client)
        _SHARED[key] = (clients, dispatch)
    return _SHARED[key]


def faulty_engine(world: World, plan: FaultPlan) -> Engine:
    clients, dispatch = _shared_clients(world)
    dispatch.plan = plan
    clients.calls.clear()
    engine = world.engine(clients=clients)
    timeout = httpx.Timeout(connect=2.0, read=0.1, write=2.0, pool=2.0)
    http = httpx.Client(timeout=timeout, event_hooks={"request": [plan.synap_hook]})
    engine.synap_options["client"] = http
    engine.synap_options["timeout"] = timeout
    world.http_clients.append(http)
    return engine


@dataclass
class Outcome:
    completed: bool
    attempts: int
    repaired: bool
    fired: list[tuple[int, str, str]]
    errors: list[str]


def _msg(error: str) -> str:
    return error.split(" (correlation_id")[0]


def run_schedule(world: World, faults: dict[int, str], *, attempts: int = 8) -> Outcome:
    """One rotation under ``faults``, retried with the same token like the service does.

    Then: the invariants; a repair if a rotation was left incomplete; a clean rotation
    that must succeed; the invariants again.
    """
    plan = FaultPlan(faults, world.emu)
    token = str(uuid.uuid4())
    errors: list[str] = []
    completed = False
    tries = 0
    engine = faulty_engine(world, plan)
    for tries in range(1, attempts + 1):  # noqa: B007 (reported below)
        try:
            result = rotate_in_process(engine, world.secret_id, token)
        except SimulatedCrash:
            engine = faulty_engine(world, plan)  # a new process picks the step up again
        except KeyOpsError as exc:
            errors.append(str(exc))
            same = len(errors) > 1 and _msg(errors[-2]) == _msg(errors[-1])
            if type(exc) is StepError and same:
                # The token can no longer complete (e.g. rolled back): the service gives up
                # on it too; retrying the same permanent refusal only costs time.
                break
        else:
            completed = result["deploy"]["result"] == "verified"
            if completed or result["deploy"]["result"] == "rolled-back":
                break
        world.observe()
    plan.enabled = False
    _shared_clients(world)[1].plan = None
    world.emu.faults.clear()
    world.check_invariants()
    clean = world.engine(clients=_shared_clients(world)[0])
    repaired = False
    versions = world.versions()
    pending = next((v for v, s in versions.items() if PENDING in s and CURRENT not in s), None)
    if pending is not None:
        repair(clean, world.secret_id)
        repaired = True
        world.check_invariants()
    if not completed:
        rotate_in_process(clean, world.secret_id)
        world.check_invariants()
    assert_no_secret(errors, world.emu.admin_key)
    return Outcome(completed, tries, repaired, plan.fired, errors)
