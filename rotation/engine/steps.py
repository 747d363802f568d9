"""The four Secrets Manager rotation steps: createSecret, setSecret, testSecret, finishSecret.

Each step re-reads the secret's state and decides with :mod:`rotation.engine.decide`
before it acts, so any step can be retried or run twice with the same token. The order
of writes is chosen so a crash between any two calls leaves a state the retry (or
``repair``, or the sweep) completes safely:

- createSecret: mint, then PutSecretValue AWSPENDING. A crash in between leaves a key
  labelled with the token and stored nowhere: the retry's ``mint`` revokes it first.
- finishSecret: pin the current version with ``keyops-revoke-at-<t>`` *before* moving
  AWSCURRENT, so the replaced key is never unreferenced; then move AWSCURRENT, then
  schedule the revoke and the deploy. A retry whose token is already AWSCURRENT
  re-runs only the idempotent scheduling.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from rotation.contract import INSTANCE_TAG
from rotation.engine.context import Engine
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    PREVIOUS,
    Proceed,
    check_step,
    key_label,
    parse_revoke_stage,
    promoted_stages,
    stage_holder,
)
from rotation.engine.deploy import deploy_and_verify
from rotation.engine.logs import context
from rotation.engine.model import SecretMeta
from rotation.engine.pins import pin, schedule_deploy, schedule_revokes
from rotation.exceptions import KeyOpsError, SecretValueError, StepError, VerifyError

__all__ = ["run_step"]

log = logging.getLogger("rotation.engine")


def run_step(
    engine: Engine, secret_id: str, token: str, step: str, *, local: bool = False
) -> dict[str, Any]:
    """Run one rotation step as the service invokes it; returns what it did."""
    with context(secret_id=secret_id, token=token, step=step):
        meta = engine.store.describe(secret_id)
        decision = check_step(
            meta.versions,
            token,
            step,
            rotation_enabled=meta.rotation_enabled,
            require_enabled=not local,
            placeholder_made=not local,
        )
        if decision is Proceed.NOTHING_TO_DO and step != "finishSecret":
            log.info("token is already AWSCURRENT: nothing to do")
            return {"step": step, "result": "nothing-to-do"}
        try:
            if step == "createSecret":
                return _create(engine, meta, token)
            if step == "setSecret":
                return _set(engine, meta, token)
            if step == "testSecret":
                return _test(engine, meta, token)
            already = decision is Proceed.NOTHING_TO_DO
            return _finish(engine, meta, token, already=already, local=local)
        except KeyOpsError as exc:
            log.error(
                "%s failed: %s",
                step,
                exc.message,
                extra={"reason": exc.code, "error_correlation_id": exc.correlation_id},
            )
            engine.metrics.put("RotationFailed", meta.name)
            raise


def _create(engine: Engine, meta: SecretMeta, token: str) -> dict[str, Any]:
    strategy = engine.strategy(meta)
    if token in meta.versions:
        existing = engine.store.get_value(meta.arn, stage=PENDING, version_id=token)
        if existing is not None:
            cred = strategy.parse(existing, where=f"pending value of {meta.name}")
            if cred.label != key_label(token):
                # e.g. a copy of the current value: promoting it would later revoke
                # the key that is still in use.
                raise StepError(
                    f"version {token} holds a value this rotation did not make "
                    f"(key {cred.key_id}); clear it with repair"
                )
            log.info("version already has a value: nothing to do")
            return {"step": "createSecret", "result": "exists"}
    current = engine.current_credential(meta)
    scope = current.instance_id if current else _bootstrap_scope(engine, meta)
    made = strategy.mint(scope, key_label(token))
    engine.store.put_pending(meta.arn, token, made.to_json())
    log.info("created key %s as AWSPENDING", made.key_id, extra={"key_id": made.key_id})
    return {"step": "createSecret", "result": "created", "key_id": made.key_id}


def _bootstrap_scope(engine: Engine, meta: SecretMeta) -> str:
    scope = meta.tags.get(INSTANCE_TAG) or engine.config.instance_id
    if not scope:
        raise SecretValueError(
            f"secret {meta.name} has no AWSCURRENT value and no {INSTANCE_TAG} tag: "
            "cannot tell which Synap instance its first key is for"
        )
    log.info("bootstrap: first key for instance %s", scope)
    return scope


def _set(engine: Engine, meta: SecretMeta, token: str) -> dict[str, Any]:
    cred = engine.pending_credential(meta, token)
    engine.strategy(meta).check(cred)
    return {"step": "setSecret", "result": "listed-active", "key_id": cred.key_id}


def _test(engine: Engine, meta: SecretMeta, token: str) -> dict[str, Any]:
    # No side effects here: AWS runs testSecret alone when RotateImmediately=false.
    cred = engine.pending_credential(meta, token)
    if not engine.accepted(meta, cred, record=False):
        raise VerifyError(f"Synap does not accept the pending key {cred.key_id}")
    return {"step": "testSecret", "result": "accepted", "key_id": cred.key_id}


def _finish(
    engine: Engine, meta: SecretMeta, token: str, *, already: bool, local: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"step": "finishSecret"}
    if not already:
        meta = _promote(engine, meta, token)
        result["result"] = "promoted"
    else:
        result["result"] = "already-current"
        meta = engine.store.describe(meta.arn)
    # A retry (already) re-ensures every schedule; a first run only the new pin's.
    only = None if already else stage_holder(meta.versions, PREVIOUS)
    result["revokes_scheduled"] = schedule_revokes(engine, meta, only=only)
    if local:
        result["deploy"] = "by-driver"  # the local driver runs deploy + verify next
    elif any(d.slow for d in engine.deployers(meta)) or engine.config.usage_window_seconds > 0:
        result["deploy"] = "scheduled" if schedule_deploy(engine, meta, token) else "deferred"
    else:
        result["deploy"] = "inline"
        deploy_and_verify(engine, meta.arn, token)
    if not already:
        engine.metrics.put("RotationSucceeded", meta.name)
    return result


def _promote(engine: Engine, meta: SecretMeta, token: str) -> SecretMeta:
    """Pin the current version for revoke, then move AWSCURRENT to ``token``."""
    new = engine.pending_credential(meta, token)
    old_version = stage_holder(meta.versions, CURRENT)
    versions = {v: list(st) for v, st in meta.versions.items()}
    if old_version is not None:
        stage = pin(engine, meta, old_version, engine.clock() + engine.config.grace_seconds)
        versions[old_version] = [
            s for s in versions[old_version] if parse_revoke_stage(s) is None
        ] + [stage]
    engine.store.move_stage(meta.arn, CURRENT, to=token, remove_from=old_version)
    log.info("promoted version to AWSCURRENT", extra={"key_id": new.key_id})
    # The state just written, without another DescribeSecret.
    return replace(meta, versions=promoted_stages(versions, token))
