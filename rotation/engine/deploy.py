"""The deploy + verify phase of a rotation: consumers pick the new key up, it verifies.

Runs after finishSecret moved AWSCURRENT: inline when every deployer is quick, else as
the asynchronous ``deploy`` action a one-time schedule invokes. Verification: Synap
accepts the new key, and (when a usage window is configured) a consumer uses it in the
window. A deployer or verification failure rolls back (AWSCURRENT back to the previous
key, re-deployed); transient AWS or Synap errors propagate so the caller retries.
"""

from __future__ import annotations

import logging
from typing import Any

from rotation.engine.context import Engine
from rotation.engine.decide import CURRENT
from rotation.engine.logs import context
from rotation.engine.model import SecretMeta
from rotation.engine.rollback import rollback
from rotation.engine.rollout import run_deployers
from rotation.engine.strategies.base import Credential
from rotation.exceptions import DeployError, VerifyError

__all__ = ["USAGE_POLL_SECONDS", "deploy_and_verify", "verify_in_use"]

log = logging.getLogger("rotation.engine")

#: How often the usage check asks Synap whether a consumer used the new key.
USAGE_POLL_SECONDS = 30.0


def deploy_and_verify(
    engine: Engine, secret_id: str, token: str, *, meta: SecretMeta | None = None
) -> dict[str, Any]:
    """The ``deploy`` action: run the deployers, verify, roll back on failure.

    ``meta`` is the secret as the caller just read it (saves a DescribeSecret).
    """
    with context(secret_id=secret_id, token=token, action="deploy"):
        meta = meta or engine.store.describe(secret_id)
        if CURRENT not in meta.versions.get(token, []):
            log.info("version is no longer AWSCURRENT: nothing to deploy")
            return {"action": "deploy", "result": "superseded"}
        raw = engine.store.get_value(meta.arn, stage=CURRENT, version_id=token)
        cred = engine.strategy(meta).parse(raw, where=f"current value of {meta.name}")
        try:
            run_deployers(engine, meta, token, cred.key_id)
            verify_in_use(engine, meta, cred)
        except (VerifyError, DeployError) as exc:
            # Transient AWS/Synap errors propagate instead: the caller retries.
            log.error(
                "deploy/verify failed, rolling back: %s",
                exc.message,
                extra={"error_correlation_id": exc.correlation_id},
            )
            engine.metrics.put("RotationFailed", meta.name)
            rolled = rollback(engine, meta.arn, reason=exc.message)
            return {"action": "deploy", "result": "rolled-back", "rollback": rolled}
        return {"action": "deploy", "result": "verified", "key_id": cred.key_id}


def verify_in_use(engine: Engine, meta: SecretMeta, cred: Credential) -> None:
    """Synap accepts the new key, and (if configured) a consumer uses it in the window."""
    if not engine.accepted(meta, cred, record=True):
        raise VerifyError(f"Synap does not accept the new key {cred.key_id}")
    window = engine.config.usage_window_seconds
    if window <= 0:
        return
    since = engine.verified[cred.key_id]
    deadline = engine.clock() + window
    strategy = engine.strategy(meta)
    while True:
        used = strategy.last_used(cred.instance_id, cred.key_id)
        if used is not None and used > since + 5:
            engine.progress(f"a consumer used key {cred.key_id}")
            return
        if engine.clock() >= deadline:
            raise VerifyError(f"no consumer used the new key {cred.key_id} within {window}s")
        engine.progress(f"waiting for a consumer to use key {cred.key_id}")
        engine.sleep(min(USAGE_POLL_SECONDS, window))
