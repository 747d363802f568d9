"""Pure decisions of the rotation state machine (no network)."""

from __future__ import annotations

import pytest

from rotation.engine.decide import (
    Proceed,
    SweepCandidate,
    check_step,
    in_use_by_consumer,
    key_label,
    parse_revoke_stage,
    parse_time,
    revoke_stage,
    sweep_decisions,
    token_of_label,
)
from rotation.exceptions import RotationInProgressError, StepError

T = "tok-1"


def test_protocol_checks_as_aws_expects() -> None:
    versions = {"old": ["AWSCURRENT"], T: ["AWSPENDING"]}
    assert check_step(versions, T, "createSecret", rotation_enabled=True) is Proceed.RUN
    assert (
        check_step({T: ["AWSCURRENT", "AWSPENDING"]}, T, "setSecret", rotation_enabled=True)
        is Proceed.NOTHING_TO_DO
    )
    with pytest.raises(StepError, match="not enabled"):
        check_step(versions, T, "createSecret", rotation_enabled=False)
    with pytest.raises(StepError, match="not a version"):
        check_step(versions, "other", "setSecret", rotation_enabled=True)
    with pytest.raises(StepError, match="not AWSPENDING"):
        check_step({T: ["AWSPREVIOUS"]}, T, "finishSecret", rotation_enabled=True)
    with pytest.raises(StepError, match="unknown rotation step"):
        check_step(versions, T, "deleteSecret", rotation_enabled=True)


def test_local_driver_waives_the_placeholder_but_not_the_pending_lock() -> None:
    kwargs = {"rotation_enabled": False, "require_enabled": False, "placeholder_made": False}
    assert check_step({"old": ["AWSCURRENT"]}, T, "createSecret", **kwargs) is Proceed.RUN
    assert check_step({}, T, "createSecret", **kwargs) is Proceed.RUN  # bootstrap
    with pytest.raises(RotationInProgressError, match="isn't complete"):
        check_step({"old": ["AWSCURRENT"], "x": ["AWSPENDING"]}, T, "createSecret", **kwargs)
    with pytest.raises(StepError):
        check_step({"old": ["AWSCURRENT"]}, T, "setSecret", **kwargs)


def test_labels_and_revoke_stages_round_trip() -> None:
    assert token_of_label(key_label(T)) == T
    assert token_of_label("seed") is None and token_of_label("keyops-") is None
    assert parse_revoke_stage(revoke_stage(1_800_000_000.7)) == 1_800_000_000
    stage = revoke_stage(1_800_000_000, "0f6ad6a1-5d0c-4a6f")
    assert stage == "keyops-revoke-at-1800000000-0f6ad6a1"
    assert parse_revoke_stage(stage) == 1_800_000_000
    assert parse_revoke_stage("AWSPREVIOUS") is None


def test_parse_time() -> None:
    assert parse_time("2026-01-01T00:00:00Z") == 1767225600.0
    assert parse_time("2026-01-01T00:00:00.500000Z") == 1767225600.5
    assert parse_time(None) is None and parse_time("yesterday") is None


@pytest.mark.parametrize(
    ("last_used", "engine_verified", "expected"),
    [
        (None, None, False),  # never used
        (1000.0, None, True),  # a consumer, 100 s ago
        (1000.0, 999.0, False),  # that was the engine's own verify
        (1000.0, 900.0, True),  # the engine verified earlier; this is someone else
        (-5000.0, None, False),  # outside the quiet window
    ],
)
def test_still_in_use_guard(
    last_used: float | None, engine_verified: float | None, expected: bool
) -> None:
    assert in_use_by_consumer(last_used, engine_verified, 1100.0, 3600.0) is expected


def test_sweep_decisions() -> None:
    now, grace = 1_000_000.0, 172_800.0
    keys = [
        SweepCandidate("current", "keyops-a", True, 0.0),
        SweepCandidate("due", "keyops-b", True, 0.0),
        SweepCandidate("not-due", "keyops-c", True, 0.0),
        SweepCandidate("orphan-old", "keyops-d", True, now - grace - 1),
        SweepCandidate("orphan-young", "keyops-e", True, now - 60),
        SweepCandidate("manual", "ci", True, 0.0),
        SweepCandidate("revoked", "keyops-f", False, 0.0),
    ]
    decided = sweep_decisions(
        keys,
        protected_key_ids={"current"},
        revoke_after={"due": now - 1, "not-due": now + 1},
        now=now,
        grace_seconds=grace,
    )
    assert [k for k, _ in decided] == ["due", "orphan-old"]
