"""Webhook signatures: format, constant-time match, grace of the previous secret, staleness."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotation.consumer import (
    InvalidSignatureError,
    MalformedSignatureError,
    MissingSignatureError,
    SecretFormatError,
    WebhookVerifier,
    sign,
    verify_signature,
)
from rotation.consumer.exceptions import StaleSignatureError
from rotation.consumer.webhook import check_timestamp
from tests.functional.consumer_fixtures import FakeClock, StaticReader

OLD = "a" * 64
NEW = "b" * 64
T0 = 1_800_000_000.0
GRACE = 172_800.0


def test_sign_matches_synaps_documented_example() -> None:
    import hashlib
    import hmac

    body = b'{"event_type":"memory.created"}'
    expected = hmac.new(OLD.encode(), body, hashlib.sha256).hexdigest()
    assert sign(body, OLD) == f"sha256={expected}"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_signature(header: str | None) -> None:
    with pytest.raises(MissingSignatureError):
        verify_signature(b"{}", header, [OLD])


@pytest.mark.parametrize(
    "header", ["sha1=" + "0" * 40, "sha256=" + "0" * 63, "sha256=" + "g" * 64, "0" * 64, "sha256="]
)
def test_malformed_signature(header: str) -> None:
    with pytest.raises(MalformedSignatureError):
        verify_signature(b"{}", header, [OLD])


def test_wrong_secret_or_tampered_body_is_invalid() -> None:
    signature = sign(b'{"a":1}', OLD)
    with pytest.raises(InvalidSignatureError):
        verify_signature(b'{"a":1}', signature, [NEW])
    with pytest.raises(InvalidSignatureError):
        verify_signature(b'{"a":2}', signature, [OLD])


def test_index_of_the_matching_secret_and_uppercase_hex() -> None:
    body = b"payload"
    assert verify_signature(body, sign(body, NEW), [OLD, NEW]) == 1
    assert verify_signature(body, sign(body, OLD).upper().replace("SHA256", "sha256"), [OLD]) == 0


@given(body=st.binary(max_size=512), secret=st.text(min_size=16, max_size=64))
def test_any_body_signed_with_a_secret_verifies(body: bytes, secret: str) -> None:
    assert verify_signature(body, sign(body, secret), ["x" * 16, secret]) in (0, 1)


@pytest.mark.parametrize(
    ("stamp", "stale"),
    [
        (T0, False),
        (T0 * 1000, False),  # milliseconds since the epoch
        ("2027-01-15T08:00:00Z", False),  # == T0
        (T0 - 301, True),
        (T0 + 301, True),
        ("2027-01-15T07:54:59Z", True),
        (None, False),  # no timestamp: nothing to check
        ("not a date", False),
    ],
)
def test_timestamp_tolerance(stamp: object, stale: bool) -> None:
    body = json.dumps({"timestamp": stamp}).encode()
    if stale:
        with pytest.raises(StaleSignatureError):
            check_timestamp(body, T0, 300)
    else:
        check_timestamp(body, T0, 300)


def test_non_json_bodies_skip_the_timestamp_check() -> None:
    check_timestamp(b"\x00not json", T0, 300)


# -- WebhookVerifier over an in-memory reader -------------------------------------------


def secret_json(value: str, created: float) -> str:
    from datetime import UTC, datetime

    return json.dumps(
        {"signing_secret": value, "created_at": datetime.fromtimestamp(created, UTC).isoformat()}
    )


def verifier(reader: StaticReader, clock: FakeClock) -> WebhookVerifier:
    return WebhookVerifier(
        reader.secret_id, reader=reader, grace_seconds=GRACE, clock=clock, monotonic=clock
    )


def event(clock: FakeClock) -> bytes:
    return json.dumps({"event_id": "evt_1", "timestamp": clock()}).encode()


def test_previous_secret_is_accepted_only_within_grace() -> None:
    clock = FakeClock(T0)
    reader = StaticReader("synap/test/webhook")
    reader.put("AWSCURRENT", secret_json(NEW, T0), "v2")
    reader.put("AWSPREVIOUS", secret_json(OLD, T0 - 90 * 86400), "v1")
    v = verifier(reader, clock)
    body = event(clock)
    assert v.verify(body, sign(body, OLD)) == "previous"
    assert v.verify(body, sign(body, NEW)) == "current"
    clock.advance(GRACE - 1)
    body = event(clock)
    assert v.verify(body, sign(body, OLD)) == "previous"
    clock.advance(1)
    body = event(clock)
    with pytest.raises(InvalidSignatureError):
        v.verify(body, sign(body, OLD))
    assert v.verify(body, sign(body, NEW)) == "current"


def test_without_a_previous_version_only_current_is_accepted() -> None:
    clock = FakeClock(T0)
    reader = StaticReader("synap/test/webhook")
    reader.put("AWSCURRENT", NEW, "v1")  # a bare string value works too
    v = verifier(reader, clock)
    body = event(clock)
    assert v.verify(body, sign(body, NEW)) == "current"
    with pytest.raises(InvalidSignatureError):
        v.verify(body, sign(body, OLD))


def test_a_mismatch_rereads_once_and_finds_a_newer_secret() -> None:
    clock = FakeClock(T0)
    reader = StaticReader("synap/test/webhook")
    reader.put("AWSCURRENT", secret_json(OLD, T0), "v1")
    v = verifier(reader, clock)
    body = event(clock)
    v.verify(body, sign(body, OLD))
    reads = reader.calls
    reader.put("AWSCURRENT", secret_json(NEW, T0), "v2")
    reader.put("AWSPREVIOUS", secret_json(OLD, T0), "v1")
    clock.advance(10)
    body = event(clock)
    assert v.verify(body, sign(body, NEW)) == "current"
    assert reader.calls - reads == 2  # AWSCURRENT + AWSPREVIOUS, once
    # a forged signature right after costs no further reads (throttled)
    with pytest.raises(InvalidSignatureError):
        v.verify(body, sign(body, "f" * 64))
    assert reader.calls - reads == 2


def test_a_valid_signature_on_a_stale_payload_is_rejected() -> None:
    clock = FakeClock(T0)
    reader = StaticReader("synap/test/webhook")
    reader.put("AWSCURRENT", secret_json(NEW, T0), "v1")
    v = verifier(reader, clock)
    body = event(clock)
    clock.advance(301)
    with pytest.raises(StaleSignatureError):
        v.verify(body, sign(body, NEW))


@pytest.mark.parametrize(
    "value",
    [
        '{"signing_secret": "short"}',
        '{"other": 1}',
        '{"signing_secret": "' + "a" * 20 + '", "created_at": "x"}',
    ],
)
def test_malformed_signing_secret_values(value: str) -> None:
    reader = StaticReader("synap/test/webhook")
    reader.put("AWSCURRENT", value, "v1")
    with pytest.raises(SecretFormatError) as info:
        verifier(reader, FakeClock(T0)).verify(b"{}", sign(b"{}", NEW))
    assert "a" * 20 not in str(info.value)


def test_repr_shows_no_secret() -> None:
    from rotation.consumer import SigningSecrets

    secrets = SigningSecrets(NEW, "v2", OLD, "v1", T0)
    assert NEW not in repr(secrets) and OLD not in repr(secrets)
