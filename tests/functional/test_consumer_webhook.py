"""Webhook deliveries from the emulator to a receiver that verifies them, across a rotation.

The emulator signs with whatever secret its webhook config holds (what the rotation's
deploy step sets through the admin API); the receiver's verifier reads the secret's
AWSCURRENT and AWSPREVIOUS from a moto server. Wall time is a fake clock on the
verifier and the emulator's clock offset, moved together.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from rotation.consumer import WebhookVerifier
from rotation.contract import DEFAULT_GRACE_SECONDS
from rotation.emulator import EmulatorServer
from tests.functional.consumer_fixtures import (
    FakeClock,
    Receiver,
    moto_endpoint,
    promote,
    sm,
    unique,
)

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["moto_endpoint", "sm"]


def new_signing_secret() -> str:
    return secrets.token_bytes(32).hex()


def secret_value(signing_secret: str, created_at: float) -> str:
    stamp = datetime.fromtimestamp(created_at, UTC).isoformat()
    return json.dumps({"signing_secret": signing_secret, "created_at": stamp})


class Synap:
    """The emulator's admin API, as the rotation's deploy step and an operator use it."""

    def __init__(self, emulator: EmulatorServer) -> None:
        self.emulator = emulator
        self.instance = emulator.seed.instance_id
        self.auth = {"Authorization": f"Bearer {emulator.admin_key}"}

    def configure(self, url: str, signing_secret: str) -> dict[str, Any]:
        r = httpx.put(
            f"{self.emulator.url}/v1/instances/{self.instance}/webhook",
            json={"url": url, "signing_secret": signing_secret},
            headers=self.auth,
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    def deliver(self) -> int | None:
        r = httpx.post(
            f"{self.emulator.url}/_emulator/webhooks/deliver",
            json={"instance_id": self.instance, "event_type": "memory.created", "data": {}},
            headers=self.auth,
            timeout=10,
        )
        r.raise_for_status()
        status: int | None = r.json()["status_code"]
        return status

    def advance(self, seconds: float) -> None:
        httpx.post(
            f"{self.emulator.url}/_emulator/clock",
            json={"advance_seconds": seconds},
            headers=self.auth,
        ).raise_for_status()


@dataclass
class HookSite:
    sm: SecretsManagerClient
    secret_id: str
    clock: FakeClock
    receiver: Receiver
    synap: Synap
    first: str

    def rotate(self) -> str:
        """create + promote a new signing secret (the deploy step is left to each test)."""
        new = new_signing_secret()
        token = str(uuid.uuid4())
        self.sm.put_secret_value(
            SecretId=self.secret_id,
            ClientRequestToken=token,
            SecretString=secret_value(new, self.clock()),
            VersionStages=["AWSPENDING"],
        )
        promote(self.sm, self.secret_id, token)
        return new

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.synap.advance(seconds)


@pytest.fixture
def site(emulator: EmulatorServer, sm: SecretsManagerClient) -> Iterator[HookSite]:
    import time

    clock = FakeClock(time.time())  # starts at real now: the emulator's timestamps are real
    first = new_signing_secret()
    secret_id = unique("synap/app/webhook-secret")
    sm.create_secret(Name=secret_id, SecretString=secret_value(first, clock()))
    verifier = WebhookVerifier(secret_id, client=sm, clock=clock, monotonic=clock)
    receiver = Receiver(verifier)
    receiver.start()
    synap = Synap(emulator)
    synap.configure(receiver.url, first)
    yield HookSite(sm, secret_id, clock, receiver, synap, first)
    receiver.stop()


def test_deliveries_signed_with_the_current_secret_are_accepted(site: HookSite) -> None:
    assert site.synap.deliver() == 204
    assert site.receiver.outcomes == ["current"]


def test_previous_secret_is_accepted_within_grace_and_rejected_after(site: HookSite) -> None:
    # GIVEN a rotation promoted a new secret but Synap still signs with the old one
    site.rotate()
    site.advance(301)  # the verifier's cache expires and it reads the new AWSCURRENT

    # WHEN Synap delivers within the grace, THEN the previous secret is accepted
    assert site.synap.deliver() == 204
    site.advance(DEFAULT_GRACE_SECONDS - 3600)
    assert site.synap.deliver() == 204
    assert site.receiver.outcomes == ["previous", "previous"]

    # WHEN the grace is over, THEN a delivery signed with the previous secret is rejected
    site.advance(3600 + 60)
    assert site.synap.deliver() == 401
    assert site.receiver.outcomes[-1] == "InvalidSignatureError"


def test_a_rotation_never_drops_a_webhook_when_synap_switches_first(site: HookSite) -> None:
    # GIVEN the verifier has the first secret cached
    assert site.synap.deliver() == 204
    # WHEN a rotation promotes a new secret and the deploy step tells Synap at once
    new = site.rotate()
    site.synap.configure(site.receiver.url, new)
    site.advance(6)  # past the forced-refresh throttle, well within the 5-minute cache
    # THEN the first delivery signed with the new secret triggers one re-read and passes
    reads = site.receiver.verifier.reader.calls
    assert site.synap.deliver() == 204
    assert site.receiver.outcomes == ["current", "current"]
    assert site.receiver.verifier.reader.calls - reads == 2  # AWSCURRENT + AWSPREVIOUS


def test_webhook_config_never_echoes_the_secret(site: HookSite, emulator: EmulatorServer) -> None:
    answer = site.synap.configure(site.receiver.url, site.first)
    fetched = httpx.get(
        f"{emulator.url}/v1/instances/{site.synap.instance}/webhook", headers=site.synap.auth
    ).json()
    assert site.first not in json.dumps(answer) + json.dumps(fetched)
    assert fetched["url"] == site.receiver.url and len(fetched["secret_fingerprint"]) == 16


def test_webhook_config_refuses_a_non_loopback_url(
    site: HookSite, emulator: EmulatorServer
) -> None:
    r = httpx.put(
        f"{emulator.url}/v1/instances/{site.synap.instance}/webhook",
        json={"url": "https://hooks.example.com/x", "signing_secret": site.first},
        headers=site.synap.auth,
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_url"
