"""Rollback: within the grace, restore the replaced key to AWSCURRENT and re-deploy it.

The writes are ordered so a crash between any two leaves a state re-running rollback
completes: the failed version is pinned for revoke before AWSCURRENT moves back, and a
current version still pinned tells the next run that an earlier rollback stopped there.
"""

from __future__ import annotations

import logging
from typing import Any

from rotation.engine.context import Engine
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    pinned_versions,
    revoke_schedule_name,
    stage_holder,
)
from rotation.engine.logs import context
from rotation.engine.model import SecretMeta
from rotation.engine.pins import holdings, pin, schedule_revokes
from rotation.engine.rollout import run_deployers
from rotation.exceptions import DeployError, StepError, VerifyError

__all__ = ["rollback"]

log = logging.getLogger("rotation.engine")


def rollback(engine: Engine, secret_id: str, *, reason: str | None = None) -> dict[str, Any]:
    """Within grace: restore the previous key to AWSCURRENT, re-deploy, cancel its revoke."""
    with context(secret_id=secret_id, action="rollback"):
        meta = engine.store.describe(secret_id)
        current_vid = stage_holder(meta.versions, CURRENT)
        pinned = pinned_versions(meta.versions)
        # A current version still pinned means an earlier rollback stopped after moving
        # AWSCURRENT: finish it instead of rolling "back" to the key that just failed.
        for version_id, stage, _ in pinned:
            if version_id == current_vid:
                engine.store.move_stage(meta.arn, stage, remove_from=version_id)
                return {"action": "rollback", "result": "completed-earlier-rollback"}
        candidates = sorted(
            (p for p in pinned if p[0] != current_vid), key=lambda p: p[2], reverse=True
        )
        if not candidates:
            raise StepError(f"secret {meta.name} has no replaced key waiting for revoke")
        prev_vid, prev_stage, revoke_at = candidates[0]
        if engine.clock() >= revoke_at:
            raise StepError(f"the previous key's grace ended at {revoke_at}: too late to roll back")
        prev = engine.pinned_credential(meta, prev_vid, prev_stage)
        if not engine.accepted(meta, prev, record=True):
            raise VerifyError(f"Synap no longer accepts the previous key {prev.key_id}")
        failed_key = _demote(engine, meta, current_vid)
        engine.store.move_stage(meta.arn, CURRENT, to=prev_vid, remove_from=current_vid)
        if current_vid is not None and PENDING in meta.versions.get(current_vid, []):
            engine.store.move_stage(meta.arn, PENDING, remove_from=current_vid)
        engine.store.move_stage(meta.arn, prev_stage, remove_from=prev_vid)
        engine.scheduler.cancel(revoke_schedule_name(prev.key_id))
        meta = engine.store.describe(meta.arn)
        schedule_revokes(engine, meta)
        log.warning(
            "rolled back to key %s%s",
            prev.key_id,
            f" ({reason})" if reason else "",
            extra={"key_id": prev.key_id},
        )
        return {
            "action": "rollback",
            "result": "rolled-back",
            "redeploy": _redeploy(engine, meta, prev_vid, prev.key_id),
            "restored_key_id": prev.key_id,
            "failed_key_id": failed_key,
            "reason": reason,
        }


def _demote(engine: Engine, meta: SecretMeta, current_vid: str | None) -> str | None:
    """Pin the failing current version for revoke; returns its key id."""
    if current_vid is None:
        return None
    failed = holdings(engine, meta)
    failed_key = next((h.credential.key_id for h in failed if h.version_id == current_vid), None)
    pin(engine, meta, current_vid, engine.clock() + engine.config.grace_seconds)
    return failed_key


def _redeploy(engine: Engine, meta: SecretMeta, version_id: str, key_id: str) -> str:
    try:
        run_deployers(engine, meta, version_id, key_id)
    except DeployError as exc:
        # AWSCURRENT already holds the previous (working) key; consumers that cached the
        # failed one keep it until their next read. Report, do not undo the rollback.
        log.error(
            "re-deploy after rollback failed: %s",
            exc.message,
            extra={"error_correlation_id": exc.correlation_id},
        )
        return f"failed: {exc.message}"
    return "done"
