"""Operator actions: repair, emergency-revoke and adopt (rollback has its own module).

Each re-reads the secret and orders its writes so a crash between two calls leaves a
state that re-running the same action (or the sweep) completes safely.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rotation.contract import INSTANCE_TAG, KIND_TAG
from rotation.engine.context import Engine
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    PREVIOUS,
    key_label,
    parse_revoke_stage,
    revoke_schedule_name,
    stage_holder,
)
from rotation.engine.driver import rotate_in_process
from rotation.engine.logs import context
from rotation.engine.pins import holdings
from rotation.engine.revoke import revoke_credential
from rotation.engine.strategies.api_key import API_KEY_KIND
from rotation.engine.values import KeyValue
from rotation.exceptions import AwsError, SecretValueError, StepError, VerifyError
from rotation.keys import is_key

__all__ = ["adopt", "emergency_revoke", "repair"]

log = logging.getLogger("rotation.engine")


def repair(engine: Engine, secret_id: str) -> dict[str, Any]:
    """Clear an AWSPENDING left by a failed rotation; revoke its key if never promoted."""
    with context(secret_id=secret_id, action="repair"):
        meta = engine.store.describe(secret_id)
        pending_vid = stage_holder(meta.versions, PENDING)
        done: list[str] = []
        if pending_vid is None:
            return {"action": "repair", "result": "nothing-to-repair", "did": done}
        stages = meta.versions.get(pending_vid, [])
        if CURRENT in stages:
            engine.store.move_stage(meta.arn, PENDING, remove_from=pending_vid)
            done.append(f"removed a stale AWSPENDING from the current version {pending_vid}")
            return {"action": "repair", "result": "repaired", "did": done}
        raw = engine.store.get_value(meta.arn, stage=PENDING, version_id=pending_vid)
        promoted = PREVIOUS in stages or any(parse_revoke_stage(s) is not None for s in stages)
        # Unlabel first: a crash after this leaves an unreferenced key the sweep revokes,
        # never a revoked key still labelled AWSPENDING.
        engine.store.move_stage(meta.arn, PENDING, remove_from=pending_vid)
        done.append(f"removed AWSPENDING from version {pending_vid}")
        strategy = engine.strategy(meta)
        scope = None
        if raw is not None:
            try:
                cred = strategy.parse(raw, where=f"pending value of {meta.name}")
            except SecretValueError:
                done.append("its value is malformed: no key to revoke")
            else:
                scope = cred.instance_id
                if promoted:
                    done.append(f"key {cred.key_id} was promoted once: left to its revoke schedule")
                else:
                    # Never AWSCURRENT, so no consumer holds it: no grace, no guard.
                    revoke_credential(engine, meta, cred, emergency=True)
                    done.append(f"revoked never-promoted key {cred.key_id} at Synap")
        current = engine.current_credential(meta)
        scope = scope or (current.instance_id if current else None)
        if scope is not None and not promoted:
            for key in strategy.listed(scope):
                if key.active and key.label == key_label(pending_vid):
                    strategy.retire(scope, key.key_id)
                    done.append(f"revoked orphan key {key.key_id} of the failed rotation")
        return {"action": "repair", "result": "repaired", "did": done}


def emergency_revoke(engine: Engine, secret_id: str) -> dict[str, Any]:
    """A leaked key: rotate now, then revoke the old key as soon as the new one verifies."""
    with context(secret_id=secret_id, action="emergency-revoke"):
        meta = engine.store.describe(secret_id)
        old = engine.current_credential(meta)
        if old is None:
            raise StepError(f"secret {meta.name} holds no key to revoke")
        rotated = rotate_in_process(engine, meta.arn)
        if rotated.get("deploy", {}).get("result") != "verified":
            raise VerifyError(
                "the new key did not verify: the old key is kept (revoking it would leave "
                "AWSCURRENT without a working key)"
            )
        meta = engine.store.describe(meta.arn)
        held = [h for h in holdings(engine, meta) if h.credential.key_id == old.key_id]
        outcome = revoke_credential(engine, meta, old, emergency=True)
        for holding in held:
            if holding.revoke_stage and not holding.live:
                engine.store.move_stage(
                    meta.arn, holding.revoke_stage, remove_from=holding.version_id
                )
        engine.scheduler.cancel(revoke_schedule_name(old.key_id))
        return {
            "action": "emergency-revoke",
            "result": outcome["result"],
            "revoked_key_id": old.key_id,
            "new_key_id": rotated.get("key_id"),
        }


def adopt(
    engine: Engine, secret_id: str, api_key: str, *, instance_id: str, key_id: str
) -> dict[str, Any]:
    """Store an existing key (read from stdin by the CLI) so the next rotation replaces it.

    The secret is created (empty, tagged) when it does not exist yet.
    """
    with context(secret_id=secret_id, action="adopt"):
        if not is_key(api_key):
            raise SecretValueError("the input is not a Synap key (synap_ + 58 base62 characters)")
        try:
            meta = engine.store.describe(secret_id)
        except AwsError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            engine.store.create(secret_id, {KIND_TAG: API_KEY_KIND, INSTANCE_TAG: instance_id})
            meta = engine.store.describe(secret_id)
        has_current = stage_holder(meta.versions, CURRENT) is not None
        if has_current and engine.store.get_value(meta.arn, stage=CURRENT) is not None:
            raise StepError(f"secret {meta.name} already holds a key; adopt fills an empty one")
        synap = engine.synap()
        listed = {k.key_id: k for k in synap.list_keys(instance_id)}
        if key_id not in listed or not listed[key_id].active:
            raise StepError(f"key {key_id} is not an active key of instance {instance_id}")
        if not synap.verify_key(instance_id, api_key):
            raise VerifyError("Synap does not accept the given key for this instance")
        engine.verified[key_id] = engine.clock()
        value = KeyValue(
            key_id=key_id,
            instance_id=instance_id,
            label=listed[key_id].label,
            created_at=listed[key_id].created_at,
            api_key=api_key,
        )
        engine.store.put_current(meta.arn, str(uuid.uuid4()), value.to_json())
        engine.store.tag(meta.arn, {KIND_TAG: API_KEY_KIND, INSTANCE_TAG: instance_id})
        return {"action": "adopt", "result": "adopted", "key_id": key_id}
