"""Revoke after grace, the still-in-use guard, and the daily sweep.

A replaced version stays pinned by ``keyops-revoke-at-<t>`` until its key is revoked;
the revoke (a one-time schedule, or the sweep when a schedule was lost) checks that the
key is neither AWSCURRENT nor AWSPENDING and that ``t`` has passed, then looks at the
key's ``last_used_at``: a consumer's use within the quiet window postpones the revoke
(re-scheduled, metric ``RevokePostponed``), except for emergency-revoke.
"""

from __future__ import annotations

import logging
from typing import Any

from rotation.contract import KIND_TAG, revoke_event
from rotation.engine.context import CONFIRM_ATTEMPTS, CONFIRM_PAUSE_SECONDS, Engine, verified_tag
from rotation.engine.decide import in_use_by_consumer, revoke_schedule_name, sweep_decisions
from rotation.engine.logs import context
from rotation.engine.model import SecretMeta
from rotation.engine.pins import Holding, holdings
from rotation.engine.report import DAY, last_rotation
from rotation.engine.strategies.base import Credential
from rotation.exceptions import KeyOpsError, RevokeUnconfirmedError, StepError

__all__ = ["revoke", "revoke_credential", "sweep"]

log = logging.getLogger("rotation.engine")


def revoke_credential(
    engine: Engine, meta: SecretMeta, cred: Credential, *, emergency: bool = False
) -> dict[str, Any]:
    """Revoke one key at the provider, guard first (unless emergency), confirm after."""
    strategy = engine.strategy(meta)
    now = engine.clock()
    if not emergency:
        last = strategy.last_used(cred.instance_id, cred.key_id)
        mine = engine.engine_verified_at(meta, cred.key_id)
        if in_use_by_consumer(last, mine, now, engine.config.quiet_seconds):
            later = now + engine.config.quiet_seconds
            payload = revoke_event(meta.arn, cred.key_id)
            engine.scheduler.once(revoke_schedule_name(cred.key_id), later, payload)
            engine.metrics.put("RevokePostponed", meta.name)
            log.warning(
                "revoke of %s postponed: a consumer used it within the last %ss",
                cred.key_id,
                engine.config.quiet_seconds,
                extra={"key_id": cred.key_id, "reason": "still-in-use"},
            )
            return {"key_id": cred.key_id, "result": "postponed", "retry_at": int(later)}
    try:
        strategy.retire(cred.instance_id, cred.key_id)
        rejected = False
        for attempt in range(CONFIRM_ATTEMPTS):
            if attempt:
                engine.sleep(CONFIRM_PAUSE_SECONDS)  # revocation can lag at the provider
            if not strategy.accepts(cred):
                rejected = True
                break
    except KeyOpsError as exc:
        engine.metrics.put("RevokeFailed", meta.name)
        log.error(
            "revoke of %s failed: %s",
            cred.key_id,
            exc.message,
            extra={"error_correlation_id": exc.correlation_id},
        )
        raise
    if not rejected:
        engine.metrics.put("RevokeFailed", meta.name)
        raise RevokeUnconfirmedError(
            f"key {cred.key_id} still authenticates after its revoke; retry later",
            retry_after_seconds=60,
        )
    engine.metrics.put("RevokeSucceeded", meta.name)
    log.info("revoked %s (Synap now answers 401)", cred.key_id, extra={"key_id": cred.key_id})
    return {"key_id": cred.key_id, "result": "revoked"}


def _unpin(engine: Engine, meta: SecretMeta, holding: Holding) -> None:
    if holding.revoke_stage:
        engine.store.move_stage(meta.arn, holding.revoke_stage, remove_from=holding.version_id)
    if verified_tag(holding.credential.key_id) in meta.tags:
        engine.store.untag(meta.arn, [verified_tag(holding.credential.key_id)])


def revoke(
    engine: Engine, secret_id: str, key_id: str, *, emergency: bool = False
) -> dict[str, Any]:
    """The ``revoke`` action: revoke a replaced key once its grace has passed."""
    with context(secret_id=secret_id, action="revoke", key_id=key_id):
        meta = engine.store.describe(secret_id)
        held = [h for h in holdings(engine, meta) if h.credential.key_id == key_id]
        if any(h.live for h in held):
            raise StepError(f"key {key_id} is AWSCURRENT or AWSPENDING: it is not revoked")
        pinned = [h for h in held if h.revoke_at is not None]
        if not pinned:
            log.info("key %s is not pinned for revoke in this secret: nothing to do", key_id)
            return {"key_id": key_id, "result": "not-pinned"}
        holding = pinned[0]
        assert holding.revoke_at is not None
        if not emergency and engine.clock() < holding.revoke_at:
            payload = revoke_event(meta.arn, key_id)
            engine.scheduler.once(revoke_schedule_name(key_id), holding.revoke_at, payload)
            return {"key_id": key_id, "result": "not-yet", "revoke_at": holding.revoke_at}
        outcome = revoke_credential(engine, meta, holding.credential, emergency=emergency)
        if outcome["result"] == "revoked":
            _unpin(engine, meta, holding)
            engine.scheduler.cancel(revoke_schedule_name(key_id))
        return outcome


def sweep(engine: Engine, secret_ids: list[str] | None = None) -> dict[str, Any]:
    """The daily ``sweep``: revoke every key this tool made that nothing holds any more.

    Runs over every managed secret (tag ``synap:kind``) or the ones given, grouped by
    Synap instance, so a key held by one secret is protected from another's sweep.
    """
    with context(action="sweep"):
        ids = secret_ids if secret_ids is not None else engine.store.list_tagged(KIND_TAG)
        errors: list[dict[str, str]] = []
        metas, by_scope = _read_secrets(engine, ids, errors)
        report: dict[str, Any] = {
            "secrets": len(ids),
            "revoked": [],
            "postponed": [],
            "errors": errors,
        }
        for meta in metas:
            last = last_rotation(engine, meta)
            if last is not None:
                days = round((engine.clock() - last) / DAY, 2)
                engine.metrics.put("DaysSinceLastRotation", meta.name, days)
        for scope, held in sorted(by_scope.items()):
            for key_id, result in _sweep_scope(engine, scope, held, errors):
                bucket = "revoked" if result == "revoked" else "postponed"
                report[bucket].append(key_id)
        return report


_Held = list[tuple[SecretMeta, Holding]]


def _read_secrets(
    engine: Engine, ids: list[str], errors: list[dict[str, str]]
) -> tuple[list[SecretMeta], dict[str, _Held]]:
    """Every readable secret and its holdings grouped by Synap instance."""
    metas: list[SecretMeta] = []
    by_scope: dict[str, _Held] = {}
    for secret_id in ids:
        try:
            meta = engine.store.describe(secret_id)
            found = holdings(engine, meta)
        except KeyOpsError as exc:
            # One broken secret must not stop the sweep of the others.
            log.error(
                "sweep: cannot read %s: %s",
                secret_id,
                exc.message,
                extra={"error_correlation_id": exc.correlation_id},
            )
            errors.append({"secret_id": secret_id, "error": exc.message})
            continue
        metas.append(meta)
        for holding in found:
            by_scope.setdefault(holding.credential.instance_id, []).append((meta, holding))
    return metas, by_scope


def _sweep_scope(
    engine: Engine, scope: str, held: _Held, errors: list[dict[str, str]]
) -> list[tuple[str, str]]:
    """Revoke the keys of one instance that nothing holds; ``[(key_id, result)]``."""
    protected = {h.credential.key_id for _, h in held if h.live}
    revoke_after = {
        h.credential.key_id: float(h.revoke_at) for _, h in held if h.revoke_at is not None
    }
    where = {h.credential.key_id: (m, h) for m, h in held}
    meta0 = held[0][0]
    try:
        listed = engine.strategy(meta0).listed(scope)
    except KeyOpsError as exc:
        # e.g. an instance Synap no longer knows: report it, sweep the others.
        log.error(
            "sweep: cannot list keys of %s: %s",
            scope,
            exc.message,
            extra={"error_correlation_id": exc.correlation_id},
        )
        errors.append({"instance_id": scope, "error": exc.message})
        return []
    done = []
    for key_id, reason in sweep_decisions(
        listed,
        protected_key_ids=protected,
        revoke_after=revoke_after,
        now=engine.clock(),
        grace_seconds=engine.config.grace_seconds,
    ):
        if key_id not in where and errors:
            # An unreadable secret may hold this key: leave unreferenced keys alone.
            log.warning("sweep: %s left alone while a secret cannot be read", key_id)
            continue
        with context(key_id=key_id, secret_id=where.get(key_id, (meta0,))[0].name):
            log.info("sweep: revoking %s (%s)", key_id, reason)
            if key_id in where:
                meta, holding = where[key_id]
                outcome = revoke_credential(engine, meta, holding.credential)
                if outcome["result"] == "revoked":
                    _unpin(engine, meta, holding)
                    engine.scheduler.cancel(revoke_schedule_name(key_id))
            else:
                # An orphan: made by this tool, stored nowhere, value unknown.
                outcome = _revoke_orphan(engine, meta0, scope, key_id)
        done.append((key_id, str(outcome["result"])))
    return done


def _revoke_orphan(engine: Engine, meta: SecretMeta, scope: str, key_id: str) -> dict[str, Any]:
    strategy = engine.strategy(meta)
    last = strategy.last_used(scope, key_id)
    if in_use_by_consumer(
        last, engine.engine_verified_at(meta, key_id), engine.clock(), engine.config.quiet_seconds
    ):
        engine.metrics.put("RevokePostponed", meta.name)
        log.warning("orphan %s was used lately: left for the next sweep", key_id)
        return {"key_id": key_id, "result": "postponed"}
    strategy.retire(scope, key_id)
    engine.metrics.put("RevokeSucceeded", meta.name)
    return {"key_id": key_id, "result": "revoked"}
