"""Fixtures of the rotation engine tests: a moto server and the Synap emulator over HTTP.

One ``ThreadedMotoServer`` on 127.0.0.1 (port 0) per session; boto3 reaches it through
its own ``AWS_ENDPOINT_URL`` (set, with fake credentials and region, per module). State
is never reset: every test works on secrets and instances with unique names.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer

from rotation.contract import INSTANCE_TAG, KIND_TAG
from rotation.emulator import EmulatorServer, SeedInfo
from rotation.engine.aws import AwsClients
from rotation.engine.config import Config
from rotation.engine.context import Engine
from rotation.engine.decide import CURRENT, PENDING
from rotation.keys import KEY_PATTERN
from rotation.retry import RetryPolicy

REGION = "us-east-1"
TARGET_ARN = "arn:aws:lambda:us-east-1:123456789012:function:synap-rotation"
ROLE_ARN = "arn:aws:iam::123456789012:role/synap-scheduler"
GROUP = "default"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    # werkzeug logs every request at INFO; pytest would capture thousands of those lines.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws_env(moto_url: str) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", moto_url)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_SESSION_TOKEN", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_REGION", REGION)
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            mp.delenv(name, raising=False)
        yield moto_url


class FakeClock:
    """Wall time plus an offset; ``sleep`` advances the offset instead of waiting."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def emu(clock: FakeClock) -> Iterator[EmulatorServer]:
    # The emulator shares the engine's clock: created_at / last_used_at and the engine's
    # grace arithmetic move together when a test advances time.
    with EmulatorServer(":memory:", clock=clock) as server:
        yield server


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class World:
    """One secret at one fresh Synap instance, and helpers to look at both sides."""

    emu: EmulatorServer
    clock: FakeClock
    sm: Any
    secret_id: str
    admin_secret_id: str
    seed: SeedInfo
    ever_current: set[str] = field(default_factory=set)
    engines: list[Engine] = field(default_factory=list)
    session: Any = None
    _values: dict[str, dict[str, Any]] = field(default_factory=dict)
    http_clients: list[httpx.Client] = field(default_factory=list)

    @property
    def instance_id(self) -> str:
        return self.seed.instance_id

    def config(self, **overrides: Any) -> Config:
        values: dict[str, Any] = {
            "api_url": self.emu.url,
            "admin_secret_id": self.admin_secret_id,
            "revoke_target_arn": TARGET_ARN,
            "scheduler_role_arn": ROLE_ARN,
            "schedule_group": GROUP,
        }
        values.update(overrides)
        return Config(**values)

    def engine(
        self, *, max_attempts: int = 3, clients: AwsClients | None = None, **overrides: Any
    ) -> Engine:
        timeout = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)
        engine = Engine(
            self.config(**overrides),
            clients=clients
            or AwsClients(
                session=self.session, max_attempts=max_attempts, read_timeout=5, connect_timeout=2
            ),
            clock=self.clock,
            sleep=self.clock.sleep,
            synap_options={
                "timeout": timeout,
                "retry": RetryPolicy(rand=lambda: 0.5),
                "sleep": self.clock.sleep,
                "clock": self.clock,
            },
        )
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.engines:
            engine.close()
        for client in self.http_clients:
            client.close()

    # -- looking at AWS ----------------------------------------------------------------

    def versions(self) -> dict[str, list[str]]:
        data = self.sm.describe_secret(SecretId=self.secret_id)
        return {k: list(v) for k, v in (data.get("VersionIdsToStages") or {}).items()}

    def all_versions(self) -> dict[str, list[str]]:
        page = self.sm.list_secret_version_ids(
            SecretId=self.secret_id, IncludeDeprecated=True, MaxResults=100
        )
        return {v["VersionId"]: v.get("VersionStages", []) for v in page["Versions"]}

    def holder(self, stage: str) -> str | None:
        return next((v for v, s in self.versions().items() if stage in s), None)

    def value(self, stage: str = CURRENT, version_id: str | None = None) -> dict[str, Any]:
        kwargs = {"SecretId": self.secret_id, "VersionStage": stage}
        if version_id:
            kwargs["VersionId"] = version_id
        return dict(json.loads(self.sm.get_secret_value(**kwargs)["SecretString"]))

    def version_value(self, version_id: str) -> dict[str, Any] | None:
        # A version's value never changes once written: cache it (fewer calls per check).
        if version_id in self._values:
            return dict(self._values[version_id])
        try:
            raw = self.sm.get_secret_value(SecretId=self.secret_id, VersionId=version_id)
        except self.sm.exceptions.ResourceNotFoundException:
            return None
        if "SecretString" not in raw:
            return None
        self._values[version_id] = json.loads(raw["SecretString"])
        return dict(self._values[version_id])

    def schedules(self) -> dict[str, dict[str, Any]]:
        sc: Any = self.session.client("scheduler")
        out: dict[str, dict[str, Any]] = {}
        for item in sc.list_schedules(GroupName=GROUP)["Schedules"]:
            out[item["Name"]] = sc.get_schedule(Name=item["Name"], GroupName=GROUP)
        return out

    # -- looking at Synap ----------------------------------------------------------------

    def keys(self) -> dict[str, Any]:
        return {k.key_id: k for k in self.emu.store.list_keys(self.instance_id)}

    def accepted(self, api_key: str) -> bool:
        return self.emu.store.authenticate(self.instance_id, api_key, touch=False)

    def consumer_uses(self, api_key: str) -> None:
        assert self.emu.store.authenticate(self.instance_id, api_key, touch=True)

    # -- invariants (docs/architecture.md) ---------------------------------------------

    def observe(self) -> None:
        """Record the key AWSCURRENT holds now (invariant 2 needs the history)."""
        if self.holder(CURRENT) is not None:
            self.ever_current.add(self.value(CURRENT)["key_id"])

    def check_invariants(self, *, emergency: bool = False) -> None:
        keys = self.keys()
        versions = self.all_versions()
        values = {v: self.version_value(v) for v in versions}
        holders = {st: v for v, stages in versions.items() for st in stages}
        # 1. AWSCURRENT holds a key Synap accepts.
        current = values[holders[CURRENT]]
        assert current is not None
        self.ever_current.add(current["key_id"])
        assert self.accepted(current["api_key"]), "invariant 1: AWSCURRENT key is refused"
        # 2. No key revoked while AWSCURRENT / AWSPENDING, nor before its grace (the clock
        #    does not pass the grace in these runs, so no key that was ever current).
        live = {current["key_id"]}
        pending = values.get(holders.get(PENDING, ""))
        if pending is not None:
            live.add(pending["key_id"])
        for key_id in live:
            assert keys[key_id].status == "active", f"invariant 2: live key {key_id} revoked"
        if not emergency:
            revoked_current = {k for k in self.ever_current if keys[k].status == "revoked"}
            assert not revoked_current, f"invariant 2: revoked within grace: {revoked_current}"
        # 3. Every key this tool made is stored in a version of the secret, or revoked.
        stored = {v["key_id"] for v in values.values() if v is not None}
        orphans = {
            k.key_id
            for k in keys.values()
            if k.status == "active" and k.label.startswith("keyops-") and k.key_id not in stored
        }
        assert not orphans, f"invariant 3: orphan keys {orphans}"
        # A replaced key stays pinned by a staging label until it is revoked (else the
        # service may delete its version and the sweep could not tell its grace).
        labelled = {v["key_id"] for vid, v in values.items() if v is not None and versions[vid]}
        unpinned = {
            k for k in self.ever_current if keys[k].status == "active" and k not in labelled
        }
        assert not unpinned, f"replaced keys lost their pin: {unpinned}"


class _Factory:
    """Makes Worlds: a fresh Synap instance and fresh secrets per call (no state reset)."""

    def __init__(self, emu: EmulatorServer, clock: FakeClock) -> None:
        import boto3

        self.emu = emu
        self.clock = clock
        # One session for every engine: botocore caches service models per session, and
        # building clients from a fresh session costs ~80 ms each.
        self.session = boto3.session.Session()
        self.sm: Any = self.session.client("secretsmanager")
        self.made: list[World] = []
        self.admin_id: str | None = None

    def __call__(self, *, empty: bool = False, tags: bool = True, name: str | None = None) -> World:
        emu, sm = self.emu, self.sm
        seed = emu.seed_instance()
        if self.admin_id is None:
            self.admin_id = unique("synap/test/admin")
            sm.create_secret(
                Name=self.admin_id, SecretString=json.dumps({"admin_key": emu.admin_key})
            )
        admin_id = self.admin_id
        secret_id = name or unique("synap/test/api-key")
        tag_list = (
            [
                {"Key": KIND_TAG, "Value": "api-key"},
                {"Key": INSTANCE_TAG, "Value": seed.instance_id},
            ]
            if tags
            else []
        )
        if empty:
            sm.create_secret(Name=secret_id, Tags=tag_list)
        else:
            assert seed.api_key is not None
            value = {
                "api_key": seed.api_key,
                "key_id": seed.key_id,
                "instance_id": seed.instance_id,
                "label": "seed",
                "created_at": "2026-01-01T00:00:00Z",
            }
            sm.create_secret(Name=secret_id, SecretString=json.dumps(value), Tags=tag_list)
        world = World(emu, self.clock, sm, secret_id, admin_id, seed, session=self.session)
        self.made.append(world)
        return world

    def close(self) -> None:
        for world in self.made:
            world.close()


@pytest.fixture
def world_factory(aws_env: str, emu: EmulatorServer, clock: FakeClock) -> Iterator[_Factory]:
    factory = _Factory(emu, clock)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def world_factory_module(aws_env: str, emu: EmulatorServer, clock: FakeClock) -> Iterator[_Factory]:
    factory = _Factory(emu, clock)
    yield factory
    factory.close()


@pytest.fixture
def world(world_factory: Any) -> World:
    w: World = world_factory()
    return w


class LogCapture(logging.Handler):
    """Collects every formatted record of the rotation loggers (for invariant 6)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        from rotation.engine.logs import JsonFormatter

        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(str(record.msg))


@pytest.fixture
def rotation_logs() -> Iterator[LogCapture]:
    handler = LogCapture()
    loggers = [logging.getLogger(n) for n in ("rotation.engine", "rotation.synap")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def assert_no_secret(texts: list[str], *extra: str) -> None:
    """Invariant 6: no key-shaped string (nor the given secrets) in any text."""
    for text in texts:
        assert not KEY_PATTERN.search(text), f"invariant 6: a key leaked: {text[:80]}…"
        for secret in extra:
            assert secret not in text, "invariant 6: a secret value leaked"
