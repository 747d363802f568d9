"""The engine rotates a webhook signing secret; an application's receiver never drops a webhook.

The ``webhook-secret`` strategy (``rotation/engine/strategies/webhook.py``) runs in the
real engine; the emulator delivers a signed event at every progress point of
the rotation. The engine publishes the new secret to Synap (``strategy.deploy``) before
its deployers run, so Synap signs with it from then on.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx
import pytest

from rotation.consumer import WebhookVerifier, sign
from rotation.contract import DEFAULT_GRACE_SECONDS, INSTANCE_TAG, KIND_TAG
from rotation.engine.driver import rotate_in_process
from rotation.engine.revoke import revoke
from rotation.engine.strategies.webhook import WEBHOOK_KIND, fingerprint
from tests.functional.conftest import World, unique
from tests.functional.consumer_fixtures import Receiver


class Hooks:
    """Synap's admin API as an operator uses it, and the app's receiver."""

    def __init__(self, world: World, secret_id: str) -> None:
        self.world = world
        self.secret_id = secret_id
        self.auth = {"Authorization": f"Bearer {world.emu.admin_key}"}
        verifier = WebhookVerifier(
            secret_id, client=world.sm, clock=world.clock, monotonic=world.clock
        )
        self.receiver = Receiver(verifier)
        self.receiver.start()
        self.statuses: list[int | None] = []

    def configure(self, signing_secret: str) -> None:
        httpx.put(
            f"{self.world.emu.url}/v1/instances/{self.world.instance_id}/webhook",
            json={"url": self.receiver.url, "signing_secret": signing_secret},
            headers=self.auth,
        ).raise_for_status()

    def deliver(self, _: str = "") -> None:
        r = httpx.post(
            f"{self.world.emu.url}/_emulator/webhooks/deliver",
            json={"instance_id": self.world.instance_id, "event_type": "memory.created"},
            headers=self.auth,
            timeout=10,
        )
        r.raise_for_status()
        self.statuses.append(r.json()["status_code"])

    def post_signed_with(self, signing_secret: str) -> int:
        body = json.dumps({"event_id": "evt_x", "timestamp": self.world.clock()}).encode()
        r = httpx.post(
            self.receiver.url,
            content=body,
            headers={"X-Synap-Signature": sign(body, signing_secret)},
        )
        return r.status_code


@pytest.fixture
def hooks(world: World) -> Iterator[Hooks]:
    # The engine builds the strategy with its own clock (the fixtures' fake one).
    first = secrets.token_bytes(32).hex()
    secret_id = unique("synap/test/webhook-secret")
    value = {
        "signing_secret": first,
        "instance_id": world.instance_id,
        "label": "initial",
        "created_at": "2026-01-01T00:00:00Z",
    }
    world.sm.create_secret(
        Name=secret_id,
        SecretString=json.dumps(value),
        Tags=[
            {"Key": KIND_TAG, "Value": WEBHOOK_KIND},
            {"Key": INSTANCE_TAG, "Value": world.instance_id},
        ],
    )
    h = Hooks(world, secret_id)
    h.configure(first)
    yield h
    h.receiver.stop()


def current_secret(world: World, secret_id: str) -> str:
    raw = world.sm.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    value: str = json.loads(raw["SecretString"])["signing_secret"]
    return value


def test_engine_rotates_the_signing_secret_without_dropping_a_webhook(
    world: World, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = current_secret(world, hooks.secret_id)
    engine = world.engine(deployers={"*": [{"type": "none"}]})
    engine.progress = hooks.deliver  # a delivery before every step, the deploy and verify

    report = rotate_in_process(engine, hooks.secret_id)
    new = current_secret(world, hooks.secret_id)
    assert new != first and len(bytes.fromhex(new)) == 32
    assert report["deploy"]["result"] == "verified"
    assert report["key_id"] == fingerprint(new)
    hooks.deliver()  # Synap now signs with the new secret

    # WHEN the grace passes, THEN the engine retires the old secret
    world.clock.advance(DEFAULT_GRACE_SECONDS + 60)
    assert revoke(engine, hooks.secret_id, fingerprint(first))["result"] == "revoked"
    hooks.deliver()

    # THEN every delivery was accepted; a forgery with the old secret is not any more
    assert len(hooks.statuses) >= 6 and set(hooks.statuses) == {204}
    assert hooks.post_signed_with(first) == 401
    assert hooks.post_signed_with(new) == 204
    assert first not in json.dumps(report) and new not in json.dumps(report)
