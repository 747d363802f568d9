"""Revoke-after pins and the one-time schedules that act on them.

A replaced version stays pinned by one ``keyops-revoke-at-<t>`` label until its key is
revoked, so it is never unreferenced; each pinned key has a one-time Scheduler schedule
that invokes the ``revoke`` action at ``t``. :func:`holdings` lists where every key of a
secret sits (current, pending, pinned) for revoke, rollback and the sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rotation.contract import deploy_event, revoke_event
from rotation.engine.context import Engine
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    deploy_schedule_name,
    pinned_versions,
    revoke_schedule_name,
    revoke_stage,
    revoke_stages,
)
from rotation.engine.model import SecretMeta
from rotation.engine.strategies.base import Credential
from rotation.exceptions import SecretValueError

__all__ = ["Holding", "holdings", "pin", "schedule_deploy", "schedule_revokes"]

log = logging.getLogger("rotation.engine")

#: How long after finishSecret the asynchronous deploy action starts.
DEPLOY_DELAY_SECONDS = 60


@dataclass(frozen=True)
class Holding:
    """Where a key sits in a secret: its version, stages and revoke-after time."""

    version_id: str
    stages: tuple[str, ...]
    credential: Credential
    revoke_at: int | None
    revoke_stage: str | None

    @property
    def live(self) -> bool:
        return CURRENT in self.stages or PENDING in self.stages


def pin(engine: Engine, meta: SecretMeta, version_id: str, at: float) -> str:
    """Pin ``version_id`` with a single revoke-after label (replacing a stale one)."""
    for stage, _ in revoke_stages(meta.versions.get(version_id, [])):
        engine.store.move_stage(meta.arn, stage, remove_from=version_id)
    stage = revoke_stage(at, version_id)
    engine.store.move_stage(meta.arn, stage, to=version_id)
    return stage


def _pinned_key(engine: Engine, meta: SecretMeta, version_id: str, stage: str) -> Credential | None:
    """The key a pinned version holds; None (logged) when its value is not a key, e.g. an
    empty version the service made: there is nothing to revoke."""
    try:
        return engine.pinned_credential(meta, version_id, stage)
    except SecretValueError as exc:
        log.warning(
            "pinned version %s holds no key to revoke: %s",
            version_id,
            exc.message,
            extra={"error_correlation_id": exc.correlation_id},
        )
        return None


def schedule_revokes(engine: Engine, meta: SecretMeta, *, only: str | None = None) -> int:
    """Make sure pinned versions have their one-time revoke schedule (idempotent)."""
    count = 0
    for version_id, stage, at in pinned_versions(meta.versions):
        if CURRENT in meta.versions.get(version_id, []):
            continue
        if only is not None and version_id != only:
            continue
        cred = _pinned_key(engine, meta, version_id, stage)
        if cred is None:
            continue
        payload = revoke_event(meta.arn, cred.key_id)
        if engine.scheduler.once(revoke_schedule_name(cred.key_id), at, payload):
            count += 1
    return count


def schedule_deploy(engine: Engine, meta: SecretMeta, token: str) -> bool:
    """Run the deploy + verify action of ``token`` from its own invocation, shortly."""
    at = engine.clock() + DEPLOY_DELAY_SECONDS
    return engine.scheduler.once(deploy_schedule_name(token), at, deploy_event(meta.arn, token))


def holdings(engine: Engine, meta: SecretMeta) -> list[Holding]:
    """Current, pending and pinned versions of a secret with their credentials."""
    out: list[Holding] = []
    pinned = {v: (stage, at) for v, stage, at in pinned_versions(meta.versions)}
    for version_id, stages in meta.versions.items():
        if version_id in pinned:
            stage, at = pinned[version_id]
            cred = _pinned_key(engine, meta, version_id, stage)
            if cred is None:
                continue
            out.append(Holding(version_id, tuple(stages), cred, at, stage))
            continue
        for live in (CURRENT, PENDING):
            if live in stages:
                raw = engine.store.get_value(meta.arn, stage=live, version_id=version_id)
                if raw is None:
                    break  # a placeholder version without a value yet
                cred = engine.strategy(meta).parse(raw, where=f"{live} value of {meta.name}")
                out.append(Holding(version_id, tuple(stages), cred, None, None))
                break
    return out
