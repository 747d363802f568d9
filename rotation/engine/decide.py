"""Pure decisions of the rotation state machine: plain data in, decisions out.

No boto3, no HTTP, no clock reads: callers pass ``now``. The adapters (``aws.py``,
the strategy) fetch the data; the steps and operations act on the decisions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Literal

from rotation.contract import KEY_LABEL_PREFIX
from rotation.exceptions import RotationInProgressError, StepError

__all__ = [
    "CURRENT",
    "PENDING",
    "PREVIOUS",
    "REVOKE_STAGE_PREFIX",
    "STEPS",
    "Proceed",
    "Step",
    "SweepCandidate",
    "check_step",
    "deploy_schedule_name",
    "in_use_by_consumer",
    "key_label",
    "parse_revoke_stage",
    "parse_time",
    "pinned_versions",
    "promoted_stages",
    "revoke_schedule_name",
    "revoke_stage",
    "revoke_stages",
    "stage_holder",
    "sweep_decisions",
    "token_of_label",
]

Step = Literal["createSecret", "setSecret", "testSecret", "finishSecret"]
STEPS: tuple[Step, ...] = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
PREVIOUS = "AWSPREVIOUS"
#: Custom staging label pinning a replaced version until its key is revoked; it carries the
#: revoke-after time (epoch seconds) so the sweep can read it without another store.
REVOKE_STAGE_PREFIX = "keyops-revoke-at-"
_REVOKE_STAGE = re.compile(
    "^" + re.escape(REVOKE_STAGE_PREFIX) + r"(\d{1,12})(?:-[0-9A-Za-z]{1,36})?$"
)


class Proceed(Enum):
    """What a step should do after the protocol checks."""

    RUN = "run"
    NOTHING_TO_DO = "nothing-to-do"


def key_label(token: str) -> str:
    """The Synap key label for a rotation token: a retried createSecret finds its key by it."""
    return KEY_LABEL_PREFIX + token


def token_of_label(label: str) -> str | None:
    """The token a key label carries, or None for a key this tool did not make."""
    if label.startswith(KEY_LABEL_PREFIX) and len(label) > len(KEY_LABEL_PREFIX):
        return label[len(KEY_LABEL_PREFIX) :]
    return None


def revoke_stage(at: float, version_id: str = "") -> str:
    """The pin label. Staging labels are unique per secret: the version id's first
    characters keep two pins made in the same second from stealing each other's label."""
    suffix = "".join(c for c in version_id if c.isalnum())[:8]
    return f"{REVOKE_STAGE_PREFIX}{int(at)}" + (f"-{suffix}" if suffix else "")


def parse_revoke_stage(stage: str) -> int | None:
    match = _REVOKE_STAGE.match(stage)
    return int(match.group(1)) if match else None


def revoke_stages(stages: Iterable[str]) -> list[tuple[str, int]]:
    """The revoke-after labels among ``stages`` with their times."""
    out = []
    for stage in stages:
        at = parse_revoke_stage(stage)
        if at is not None:
            out.append((stage, at))
    return out


def stage_holder(versions: Mapping[str, Sequence[str]], stage: str) -> str | None:
    """The version id holding ``stage``, or None."""
    for version_id, stages in versions.items():
        if stage in stages:
            return version_id
    return None


def pinned_versions(versions: Mapping[str, Sequence[str]]) -> list[tuple[str, str, int]]:
    """``[(version_id, stage, revoke_at)]`` of versions waiting for their revoke."""
    return [(v, stage, at) for v, stages in versions.items() for stage, at in revoke_stages(stages)]


def promoted_stages(versions: Mapping[str, Sequence[str]], token: str) -> dict[str, list[str]]:
    """The stages after AWSCURRENT moved to ``token`` (the service adds AWSPREVIOUS)."""
    old = stage_holder(versions, CURRENT)
    out = {v: [s for s in st if s not in (CURRENT, PREVIOUS)] for v, st in versions.items()}
    if old is not None and old != token:
        out[old].append(PREVIOUS)
    else:
        prev = stage_holder(versions, PREVIOUS)
        if prev is not None:
            out[prev].append(PREVIOUS)
    out.setdefault(token, []).append(CURRENT)
    return out


def revoke_schedule_name(key_id: str) -> str:
    """The one-time revoke schedule of a key. Names: 1..64 of [0-9A-Za-z-_.]."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key_id)
    return f"keyops-revoke-{safe}"[:64]


def deploy_schedule_name(token: str) -> str:
    """The one-time schedule that runs the deploy + verify action of a rotation."""
    return f"keyops-deploy-{token}"[:64]


def check_step(
    versions: Mapping[str, Sequence[str]],
    token: str,
    step: str,
    *,
    rotation_enabled: bool,
    require_enabled: bool = True,
    placeholder_made: bool = True,
) -> Proceed:
    """The checks AWS's rotation protocol expects before any step.

    - rotation must be enabled on the secret (the local driver waives this);
    - the token must be a version of the secret (the service makes that version before
      calling createSecret; moto cannot make a version without a value, so the local
      driver passes ``placeholder_made=False`` and createSecret accepts a missing token);
    - a token already ``AWSCURRENT`` means the rotation finished: nothing to do;
    - otherwise the token must be ``AWSPENDING``.
    """
    if step not in STEPS:
        raise StepError(f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}")
    if require_enabled and not rotation_enabled:
        raise StepError("rotation is not enabled on this secret")
    stages = versions.get(token)
    if stages is None:
        if step == "createSecret" and not placeholder_made:
            holder = stage_holder(versions, PENDING)
            if holder is not None and CURRENT not in versions.get(holder, ()):
                raise RotationInProgressError(
                    f"a previous rotation isn't complete: version {holder} holds AWSPENDING"
                )
            return Proceed.RUN
        raise StepError(f"token {token} is not a version of the secret")
    if CURRENT in stages:
        return Proceed.NOTHING_TO_DO
    if PENDING not in stages:
        raise StepError(f"version {token} is not AWSPENDING for rotation")
    return Proceed.RUN


def parse_time(value: str | None) -> float | None:
    """Epoch seconds of an RFC 3339 time (``Z`` or offset), None if absent or unparsable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def in_use_by_consumer(
    last_used_at: float | None,
    engine_verified_at: float | None,
    now: float,
    quiet_seconds: float,
    slack_seconds: float = 5.0,
) -> bool:
    """Still-in-use guard: did someone other than the engine use the key lately?

    A use within ``quiet_seconds`` of ``now`` counts unless it is the engine's own
    verification (``last_used_at`` within ``slack_seconds`` after the engine verified).
    """
    if last_used_at is None or now - last_used_at > quiet_seconds:
        return False
    return not (
        engine_verified_at is not None
        and engine_verified_at - slack_seconds <= last_used_at <= engine_verified_at + slack_seconds
    )


@dataclass(frozen=True)
class SweepCandidate:
    """A key listed at Synap, reduced to what the sweep decides on."""

    key_id: str
    label: str
    active: bool
    created_at: float | None


def sweep_decisions(
    keys: Iterable[SweepCandidate],
    *,
    protected_key_ids: set[str],
    revoke_after: Mapping[str, float],
    now: float,
    grace_seconds: float,
) -> list[tuple[str, str]]:
    """Keys the sweep revokes, with a reason: ``[(key_id, reason)]``.

    Only active keys labelled by this tool. ``protected_key_ids`` are keys held by
    ``AWSCURRENT`` / ``AWSPENDING`` (never revoked). A key with a recorded revoke-after
    time goes when that time has passed; any other labelled key (an orphan, or one whose
    label was lost) goes once it is older than the grace period.
    """
    out = []
    for key in keys:
        if not key.active or token_of_label(key.label) is None:
            continue
        if key.key_id in protected_key_ids:
            continue
        if key.key_id in revoke_after:
            if now >= revoke_after[key.key_id]:
                out.append((key.key_id, "revoke-after time passed"))
            continue
        if key.created_at is not None and now - key.created_at >= grace_seconds:
            out.append((key.key_id, "unreferenced key older than the grace period"))
    return out
