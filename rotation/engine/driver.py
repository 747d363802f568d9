"""Drive a rotation the way Secrets Manager does, in-process or through RotateSecret.

``rotate_in_process`` makes a new token and runs createSecret, setSecret, testSecret
and finishSecret itself, then the deploy + verify action: the whole engine runs against
moto and the emulator with no Lambda runtime (moto's ``rotate_secret`` cannot invoke a
rotation function). moto cannot make a version without a value, which the service does
before createSecret, so createSecret runs with ``local=True``: a token that is not yet a
version is accepted, and the "previous rotation isn't complete" check happens there.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from typing import Any

from rotation.contract import INSTANCE_TAG
from rotation.engine.context import Engine
from rotation.engine.decide import PENDING, STEPS, key_label
from rotation.engine.deploy import deploy_and_verify
from rotation.engine.model import SecretMeta
from rotation.engine.steps import run_step
from rotation.exceptions import KeyOpsError

log = logging.getLogger("rotation.engine")

__all__ = ["call_counts", "rotate_in_process", "rotate_remote"]


def call_counts(engine: Engine) -> dict[str, int]:
    """AWS API calls and Synap HTTP requests (attempts) made so far by this engine."""
    counts = dict(engine.clients.calls)
    synap = engine.synap_built
    if synap is not None:
        counts.update({f"synap.{op}": n for op, n in synap.calls.items()})
    return counts


def rotate_in_process(engine: Engine, secret_id: str, token: str | None = None) -> dict[str, Any]:
    """A whole rotation in this process; returns what each step did, timings and calls."""
    token = token or str(uuid.uuid4())
    started = time.perf_counter()
    before = call_counts(engine)
    steps: list[dict[str, Any]] = []
    try:
        for step in STEPS:
            engine.progress(f"{step}…")
            step_started = time.perf_counter()
            done = run_step(engine, secret_id, token, step, local=True)
            steps.append({**done, "seconds": round(time.perf_counter() - step_started, 3)})
    except KeyOpsError:
        _abandon_if_lost(engine, secret_id, token)
        raise
    # The service clears AWSPENDING once finishSecret returns.
    meta = engine.store.describe(secret_id)
    if PENDING in meta.versions.get(token, []):
        engine.store.move_stage(meta.arn, PENDING, remove_from=token)
        versions = {
            v: [s for s in st if s != PENDING or v != token] for v, st in meta.versions.items()
        }
        meta = replace(meta, versions=versions)
    engine.progress("deploy and verify…")
    deploy_started = time.perf_counter()
    deploy = deploy_and_verify(engine, meta.arn, token, meta=meta)
    deploy = {**deploy, "seconds": round(time.perf_counter() - deploy_started, 3)}
    after = call_counts(engine)
    return {
        "secret_id": meta.name,
        "token": token,
        "key_id": steps[0].get("key_id") or deploy.get("key_id"),
        "steps": steps,
        "deploy": deploy,
        "seconds": round(time.perf_counter() - started, 3),
        "calls": {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)},
    }


def _abandon_if_lost(engine: Engine, secret_id: str, token: str) -> None:
    """A rotation that lost AWSPENDING to another one revokes the key it made, if unpromoted.

    Best effort: whatever is left, the sweep revokes once it is older than the grace.
    """
    try:
        meta = engine.store.describe(secret_id)
        if meta.versions.get(token):
            return  # still labelled: the retry or repair carries on
        if token not in {v for v, _, _ in engine.store.list_versions(meta.arn)}:
            # Never stored (e.g. another rotation's AWSPENDING won the race): no retry will
            # come for this token, so revoke what it minted now, found by its label.
            _retire_by_label(engine, meta, token)
            return
        raw = engine.store.get_version_value(meta.arn, token)
        if raw is None:
            return
        cred = engine.strategy(meta).parse(raw, where=f"version {token}")
        engine.strategy(meta).retire(cred.instance_id, cred.key_id)
        log.warning("rotation lost AWSPENDING to another one: revoked its unpromoted key")
    except KeyOpsError as exc:
        log.warning(
            "could not clean up after the failed rotation: %s",
            exc.message,
            extra={"error_correlation_id": exc.correlation_id},
        )


def _retire_by_label(engine: Engine, meta: SecretMeta, token: str) -> None:
    current = engine.current_credential(meta)
    scope = current.instance_id if current else meta.tags.get(INSTANCE_TAG)
    scope = scope or engine.config.instance_id
    if not scope:
        return
    strategy = engine.strategy(meta)
    for candidate in strategy.listed(scope):
        if candidate.active and candidate.label == key_label(token):
            strategy.retire(scope, candidate.key_id)
            log.warning("rotation never stored its key: revoked %s", candidate.key_id)


def rotate_remote(engine: Engine, secret_id: str) -> dict[str, Any]:
    """Ask Secrets Manager to rotate (it invokes the configured rotation Lambda)."""
    version = engine.store.rotate(secret_id, str(uuid.uuid4()))
    return {"secret_id": secret_id, "token": version, "result": "rotation-started"}
