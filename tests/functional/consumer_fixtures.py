"""Fixtures and helpers for the consumer-library tests: a moto server, secrets, a rotation driver.

The moto server is ``ThreadedMotoServer`` on 127.0.0.1 (boto3 over the wire). The
rotation driver below moves stages by hand the way the engine's four steps do; it keeps
these tests independent of the engine's own driver.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from rotation.consumer import SIGNATURE_HEADER, WebhookVerificationError, WebhookVerifier
from rotation.consumer.exceptions import SecretNotFoundError
from rotation.consumer.secrets import SecretVersion, Stage
from rotation.synap_client import SynapAdminClient

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def sm_client(endpoint: str) -> SecretsManagerClient:
    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def sm(moto_endpoint: str) -> SecretsManagerClient:
    return sm_client(moto_endpoint)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def key_value(api_key: str, key_id: str, instance_id: str, label: str = "seed") -> str:
    return json.dumps(
        {
            "api_key": api_key,
            "key_id": key_id,
            "instance_id": instance_id,
            "label": label,
            "created_at": datetime.now(UTC).isoformat(),
        }
    )


def stages(sm: SecretsManagerClient, secret_id: str) -> dict[str, list[str]]:
    return dict(sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"])


def holder(sm: SecretsManagerClient, secret_id: str, stage: str) -> str | None:
    for version, labels in stages(sm, secret_id).items():
        if stage in labels:
            return version
    return None


def promote(sm: SecretsManagerClient, secret_id: str, token: str) -> str:
    """finishSecret's stage move: AWSCURRENT to ``token`` (AWS makes the old one AWSPREVIOUS)."""
    old = holder(sm, secret_id, "AWSCURRENT")
    assert old is not None
    sm.update_secret_version_stage(
        SecretId=secret_id,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=old,
    )
    sm.update_secret_version_stage(
        SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=token
    )
    return old


@dataclass
class ManualRotation:
    """The four rotation steps for an API-key secret, driven by hand (no engine)."""

    sm: SecretsManagerClient
    synap: SynapAdminClient
    secret_id: str
    instance_id: str
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    new_key_id: str = ""
    old_key_id: str = ""

    def create(self) -> None:
        current = json.loads(
            self.sm.get_secret_value(SecretId=self.secret_id, VersionStage="AWSCURRENT")[
                "SecretString"
            ]
        )
        self.old_key_id = current["key_id"]
        created = self.synap.create_key(self.instance_id, label=f"keyops-{self.token}")
        self.new_key_id = created.key_id
        self.sm.put_secret_value(
            SecretId=self.secret_id,
            ClientRequestToken=self.token,
            SecretString=key_value(
                created.api_key, created.key_id, self.instance_id, created.label
            ),
            VersionStages=["AWSPENDING"],
        )

    def test(self) -> None:
        pending = self.sm.get_secret_value(SecretId=self.secret_id, VersionStage="AWSPENDING")
        api_key = json.loads(pending["SecretString"])["api_key"]
        assert self.synap.verify_key(self.instance_id, api_key)

    def finish(self) -> None:
        promote(self.sm, self.secret_id, self.token)

    def revoke_old(self) -> None:
        self.synap.revoke_key(self.instance_id, self.old_key_id)


class FakeClock:
    """A settable clock shared by the code under test (monotonic and wall alike)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class StaticReader:
    """An in-memory SecretReader: versions by stage, set by the test; counts reads."""

    def __init__(self, secret_id: str = "synap/test/api-key") -> None:  # noqa: S107 (a name)
        self.secret_id = secret_id
        self.values: dict[str, SecretVersion] = {}
        self.calls = 0
        self.fail_with: Exception | None = None

    def put(self, stage: str, value: str, version_id: str, created_at: float | None = None) -> None:
        self.values[stage] = SecretVersion(self.secret_id, version_id, stage, created_at, value)

    def read(self, secret_id: str, stage: Stage = "AWSCURRENT") -> SecretVersion:
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        if stage not in self.values:
            raise SecretNotFoundError(f"no version of {secret_id!r} in {stage}")
        return self.values[stage]


@dataclass
class Receiver:
    """An application's webhook endpoint: 204 when verified, 401 otherwise."""

    verifier: WebhookVerifier
    outcomes: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/synap"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    which = receiver.verifier.verify(raw, self.headers.get(SIGNATURE_HEADER))
                except WebhookVerificationError as exc:
                    receiver.outcomes.append(type(exc).__name__)
                    self.send_response(401)
                else:
                    receiver.outcomes.append(which)
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
