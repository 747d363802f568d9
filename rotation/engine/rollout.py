"""Make consumers pick up a version: publish it to the provider, then run the deployers.

Used by the deploy phase (a new key) and by rollback (the restored key). Any failure of
a deployer that retrying cannot fix becomes a :class:`DeployError`, which the deploy
phase answers with a rollback; transient AWS and Synap errors propagate for a retry.
"""

from __future__ import annotations

from rotation.deployers import DeployContext
from rotation.engine.context import Engine
from rotation.engine.decide import CURRENT
from rotation.engine.model import SecretMeta
from rotation.engine.strategies.base import Publishing
from rotation.exceptions import AwsError, DeployError, KeyOpsError

__all__ = ["run_deployers"]


def run_deployers(engine: Engine, meta: SecretMeta, version_id: str, key_id: str) -> None:
    """Publish ``version_id`` (kinds that need it), then run every configured deployer."""
    _publish(engine, meta, version_id)
    ctx = DeployContext(
        secret_id=meta.name,
        version_id=version_id,
        key_id=key_id,
        clients=engine.clients,
        sleep=engine.sleep,
        clock=engine.clock,
        read_secret=engine.read_plain,
        progress=engine.progress,
    )
    for deployer in engine.deployers(meta):
        try:
            deployer.deploy(ctx)
        except AwsError as exc:
            if exc.transient:
                raise
            # e.g. the cluster or function does not exist: retrying will not help
            raise DeployError(f"{deployer.kind} deployer: {exc.message}") from exc
        except KeyOpsError:
            raise
        except Exception as exc:  # a deployer's own bug must still lead to rollback
            raise DeployError(f"{deployer.kind} deployer: {type(exc).__name__}") from exc


def _publish(engine: Engine, meta: SecretMeta, version_id: str) -> None:
    """Tell the provider first, for kinds it must learn about (a webhook signing secret:
    Synap signs with it from now on); API keys have nothing to publish."""
    strategy = engine.strategy(meta)
    if not isinstance(strategy, Publishing):
        return
    raw = engine.store.get_value(meta.arn, stage=CURRENT, version_id=version_id)
    try:
        strategy.publish(strategy.parse(raw, where=f"value of {meta.name}"))
    except KeyOpsError:
        raise
    except Exception as exc:
        raise DeployError(f"{strategy.kind} publish: {type(exc).__name__}") from exc
