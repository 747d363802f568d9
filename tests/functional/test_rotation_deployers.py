"""Deployers against moto (ECS, Lambda) and a local deploy hook, inside real rotations."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from rotation.deployers.base import MARKER_VARIABLE
from rotation.engine.driver import rotate_in_process
from rotation.engine.steps import run_step
from tests.functional.conftest import World, unique


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status: ClassVar[int] = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((dict(self.headers), body))
        self.send_response(Hook.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hook() -> Iterator[str]:
    Hook.received = []
    Hook.status = 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/deploy"
    server.shutdown()
    server.server_close()


def test_http_deployer_posts_a_signed_notification(world: World, hook: str) -> None:
    signing = unique("synap/test/hook-key")
    world.sm.create_secret(Name=signing, SecretString="hook-signing-key")
    deployers = {"*": [{"type": "http", "url": hook, "signing_secret_id": signing}]}
    report = rotate_in_process(world.engine(deployers=deployers), world.secret_id)
    assert report["deploy"]["result"] == "verified"
    [(headers, body)] = Hook.received
    expected = hmac.new(
        b"hook-signing-key", headers["X-Keyops-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Keyops-Signature"] == "sha256=" + expected
    payload = json.loads(body)
    assert payload["version_id"] == report["token"] and "api_key" not in payload
    assert "synap_" not in body.decode()


def test_a_failing_deploy_hook_rolls_back(world: World, hook: str) -> None:
    signing = unique("synap/test/hook-key")
    world.sm.create_secret(Name=signing, SecretString="k")
    Hook.status = 500
    old = world.value()
    deployers = {"*": [{"type": "http", "url": hook, "signing_secret_id": signing}]}
    report = rotate_in_process(world.engine(deployers=deployers), world.secret_id)
    assert report["deploy"]["result"] == "rolled-back"
    assert world.value()["key_id"] == old["key_id"]
    world.check_invariants()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_lambda_deployer_bumps_a_version_marker(world: World) -> None:
    iam: Any = world.session.client("iam")
    role = iam.create_role(RoleName=unique("consumer"), AssumeRolePolicyDocument="{}")["Role"]
    lam: Any = world.session.client("lambda")
    name = unique("consumer")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"KEEP": "me"}},
    )
    deployers = {"*": [{"type": "lambda", "functions": [name]}]}
    report = rotate_in_process(world.engine(deployers=deployers), world.secret_id)
    assert report["deploy"]["result"] == "verified"
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    assert env == {"KEEP": "me", MARKER_VARIABLE: report["token"]}


def test_ecs_deployer_forces_a_new_deployment_and_waits(world: World) -> None:
    ecs: Any = world.session.client("ecs")
    cluster = unique("prod")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="api", containerDefinitions=[{"name": "api", "image": "api:1", "memory": 128}]
    )
    ecs.create_service(cluster=cluster, serviceName="api", taskDefinition="api", desiredCount=0)
    engine = world.engine(
        deployers={"*": [{"type": "ecs", "cluster": cluster, "services": ["api"]}]}
    )
    messages: list[str] = []
    engine.progress = messages.append
    report = rotate_in_process(engine, world.secret_id)
    assert report["deploy"]["result"] == "verified"
    assert any("forcing a new deployment" in m for m in messages)
    assert report["calls"].get("ecs.UpdateService") == 1


def test_ecs_services_not_found_roll_back(world: World) -> None:
    old = world.value()
    engine = world.engine(
        deployers={"*": [{"type": "ecs", "cluster": unique("none"), "services": ["ghost"]}]}
    )
    report = rotate_in_process(engine, world.secret_id)
    assert report["deploy"]["result"] == "rolled-back"
    assert world.value()["key_id"] == old["key_id"]


def test_none_deployer_waits_the_cache_ttl_with_injected_sleep(world: World) -> None:
    engine = world.engine(deployers={"*": [{"type": "none", "ttl_seconds": 300}]})
    before = len(world.clock.sleeps)
    rotate_in_process(engine, world.secret_id)
    assert sum(world.clock.sleeps[before:]) >= 300


def test_slow_deployers_run_as_their_own_scheduled_action(world: World) -> None:
    from rotation.handler import dispatch

    # GIVEN rotation enabled on the secret and an ECS deployer (minutes: not in finishSecret)
    # (moto's rotate_secret completes its own "rotation" with a copy of the value)
    world.sm.rotate_secret(
        SecretId=world.secret_id,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    ecs: Any = world.session.client("ecs")
    cluster = unique("prod")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="api", containerDefinitions=[{"name": "api", "image": "api:1", "memory": 128}]
    )
    ecs.create_service(cluster=cluster, serviceName="api", taskDefinition="api", desiredCount=0)
    engine = world.engine(
        deployers={"*": [{"type": "ecs", "cluster": cluster, "services": ["api"]}]}
    )
    token = "7d7d7d7d-0000-4000-8000-0000000000cc"
    # moto cannot make the service's empty placeholder version: createSecret runs locally
    run_step(engine, world.secret_id, token, "createSecret", local=True)
    for step in ("setSecret", "testSecret", "finishSecret"):
        result = dispatch(
            engine, {"SecretId": world.secret_id, "ClientRequestToken": token, "Step": step}
        )
    # THEN finishSecret only promoted and scheduled the deploy action
    assert result["deploy"] == "scheduled"
    assert "ecs.UpdateService" not in engine.clients.calls
    schedule = world.schedules()[f"keyops-deploy-{token}"]
    payload = json.loads(schedule["Target"]["Input"])
    assert payload["action"] == "deploy" and payload["VersionId"] == token
    # WHEN the schedule fires, the deploy action deploys and verifies
    done = dispatch(engine, payload)
    assert done["result"] == "verified"
    assert engine.clients.calls["ecs.UpdateService"] == 1
