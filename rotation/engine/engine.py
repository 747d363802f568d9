"""The rotation engine: the four Secrets Manager steps and the deploy + verify action.

Each step re-reads the secret's state and decides with :mod:`rotation.engine.decide`
before it acts, so any step can be retried or run twice with the same token. The
order of writes is chosen so a crash between any two calls leaves a state the retry
(or ``repair``, or the sweep) completes safely:

- createSecret: mint, then PutSecretValue AWSPENDING. A crash in between leaves a key
  labelled with the token and stored nowhere: the retry's ``mint`` revokes it first.
- finishSecret: pin the current version with ``keyops-revoke-at-<t>`` *before* moving
  AWSCURRENT, so the replaced key is never unreferenced; then move AWSCURRENT, then
  schedule the revoke and the deploy. A retry whose token is already AWSCURRENT
  re-runs only the idempotent scheduling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from rotation.config import Config, deployers_for
from rotation.contract import INSTANCE_TAG, KIND_TAG
from rotation.deployers import DeployContext, Deployer, build
from rotation.engine.aws import AwsClients, Metrics, Scheduler, SecretMeta, SecretsStore
from rotation.engine.decide import (
    CURRENT,
    PENDING,
    PREVIOUS,
    Proceed,
    check_step,
    key_label,
    parse_revoke_stage,
    revoke_stage,
    revoke_stages,
    stage_holder,
)
from rotation.engine.exceptions import (
    AwsError,
    ConfigError,
    DeployError,
    RotationError,
    SecretValueError,
    StepError,
    VerifyError,
)
from rotation.engine.logs import context
from rotation.engine.strategy import Credential, SecretStrategy, registered
from rotation.engine.values import parse_admin_key
from rotation.exceptions import SynapError
from rotation.synap_client import SynapAdminClient

__all__ = ["Engine", "revoke_schedule_name", "verified_tag"]

log = logging.getLogger("rotation.engine")

#: Secret tag recording when the engine itself last verified a key (the still-in-use
#: guard must not count the engine's own calls as a consumer's use).
VERIFIED_TAG_PREFIX = "keyops:verified:"
#: Pause before re-checking a key whose acceptance or revocation lags at the provider.
CONFIRM_ATTEMPTS = 3
CONFIRM_PAUSE_SECONDS = 2.0
USAGE_POLL_SECONDS = 30.0


def verified_tag(key_id: str) -> str:
    return VERIFIED_TAG_PREFIX + key_id


def revoke_schedule_name(key_id: str) -> str:
    # Schedule names: 1..64 of [0-9A-Za-z-_.]
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key_id)
    return f"keyops-revoke-{safe}"[:64]


def deploy_schedule_name(token: str) -> str:
    return f"keyops-deploy-{token}"[:64]


def _quiet(_: str) -> None:
    return None


@dataclass
class Engine:
    """One engine per invocation: config, lazily built clients, injected clock and sleep."""

    config: Config
    clients: AwsClients = field(default_factory=AwsClients)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = _quiet
    #: Builds the Synap admin client; default reads the admin secret and uses config.api_url.
    synap_factory: Callable[[], SynapAdminClient] | None = None
    metrics_enabled: bool = True
    #: Extra arguments for the default SynapAdminClient (timeout, retry, sleep, client).
    synap_options: dict[str, Any] = field(default_factory=dict)
    #: Key id -> epoch seconds of the engine's own verify calls in this process.
    verified: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = SecretsStore(self.clients)
        self.scheduler = Scheduler(
            self.clients,
            group=self.config.schedule_group,
            target_arn=self.config.revoke_target_arn,
            role_arn=self.config.scheduler_role_arn,
        )
        self.metrics = Metrics(self.clients, enabled=self.metrics_enabled)
        self._strategies: dict[str, SecretStrategy] = {}
        self._synap: SynapAdminClient | None = None

    # -- collaborators -------------------------------------------------------------------

    def synap(self) -> SynapAdminClient:
        if self._synap is None:
            if self.synap_factory is not None:
                self._synap = self.synap_factory()
            else:
                raw = self.store.get_value(self.config.admin_secret_id, stage=CURRENT)
                if raw is None:
                    raise ConfigError(
                        f"admin secret {self.config.admin_secret_id} has no AWSCURRENT value"
                    )
                self._synap = SynapAdminClient(
                    self.config.api_url, parse_admin_key(raw), **self.synap_options
                )
        return self._synap

    def strategy(self, meta: SecretMeta) -> SecretStrategy:
        kind = meta.tags.get(KIND_TAG, "api-key")
        if kind not in self._strategies:
            factories = registered()
            if kind not in factories:
                raise ConfigError(f"secret {meta.name}: unknown {KIND_TAG} {kind!r}")
            self._strategies[kind] = factories[kind](self.synap)
        return self._strategies[kind]

    def close(self) -> None:
        if self._synap is not None:
            self._synap.close()

    def deployers(self, meta: SecretMeta) -> list[Deployer]:
        return [build(c) for c in deployers_for(self.config.deployers, meta.name, meta.arn)]

    # -- the four steps ------------------------------------------------------------------

    def run_step(
        self, secret_id: str, token: str, step: str, *, local: bool = False
    ) -> dict[str, Any]:
        """Run one rotation step as the service invokes it; returns what it did."""
        with context(secret_id=secret_id, token=token, step=step):
            meta = self.store.describe(secret_id)
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
                    return self._create(meta, token)
                if step == "setSecret":
                    return self._set(meta, token)
                if step == "testSecret":
                    return self._test(meta, token)
                return self._finish(
                    meta, token, already=decision is Proceed.NOTHING_TO_DO, local=local
                )
            except (RotationError, SynapError) as exc:
                log.error(
                    "%s failed: %s",
                    step,
                    exc.message,
                    extra={"reason": exc.code, "error_correlation_id": exc.correlation_id},
                )
                self.metrics.put("RotationFailed", meta.name)
                raise

    def pending_credential(self, meta: SecretMeta, token: str) -> Credential:
        raw = self.store.get_value(meta.arn, stage=PENDING, version_id=token)
        if raw is None:
            raise StepError(f"version {token} has no AWSPENDING value")
        return self.strategy(meta).parse(raw, where=f"pending value of {meta.name}")

    def current_credential(self, meta: SecretMeta) -> Credential | None:
        """The AWSCURRENT credential, None for an empty secret (bootstrap)."""
        if stage_holder(meta.versions, CURRENT) is None:
            return None
        raw = self.store.get_value(meta.arn, stage=CURRENT)
        if raw is None:
            return None
        return self.strategy(meta).parse(raw, where=f"current value of {meta.name}")

    def _create(self, meta: SecretMeta, token: str) -> dict[str, Any]:
        if token in meta.versions:
            existing = self.store.get_value(meta.arn, stage=PENDING, version_id=token)
            if existing is not None:
                cred = self.strategy(meta).parse(existing, where=f"pending value of {meta.name}")
                if cred.label != key_label(token):
                    # e.g. a copy of the current value: promoting it would later revoke
                    # the key that is still in use.
                    raise StepError(
                        f"version {token} holds a value this rotation did not make "
                        f"(key {cred.key_id}); clear it with repair"
                    )
                log.info("version already has a value: nothing to do")
                return {"step": "createSecret", "result": "exists"}
        current = self.current_credential(meta)
        scope = current.instance_id if current else self._bootstrap_scope(meta)
        made = self.strategy(meta).mint(scope, key_label(token))
        self.store.put_pending(meta.arn, token, made.to_json())
        log.info("created key %s as AWSPENDING", made.key_id, extra={"key_id": made.key_id})
        return {"step": "createSecret", "result": "created", "key_id": made.key_id}

    def _bootstrap_scope(self, meta: SecretMeta) -> str:
        scope = meta.tags.get(INSTANCE_TAG) or self.config.instance_id
        if not scope:
            raise SecretValueError(
                f"secret {meta.name} has no AWSCURRENT value and no {INSTANCE_TAG} tag: "
                "cannot tell which Synap instance its first key is for"
            )
        log.info("bootstrap: first key for instance %s", scope)
        return scope

    def _set(self, meta: SecretMeta, token: str) -> dict[str, Any]:
        cred = self.pending_credential(meta, token)
        self.strategy(meta).check(cred)
        return {"step": "setSecret", "result": "listed-active", "key_id": cred.key_id}

    def _test(self, meta: SecretMeta, token: str) -> dict[str, Any]:
        # No side effects here: AWS runs testSecret alone when RotateImmediately=false.
        cred = self.pending_credential(meta, token)
        if not self._accepted(meta, cred, record=False):
            raise VerifyError(f"Synap does not accept the pending key {cred.key_id}")
        return {"step": "testSecret", "result": "accepted", "key_id": cred.key_id}

    def _finish(
        self, meta: SecretMeta, token: str, *, already: bool, local: bool
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"step": "finishSecret"}
        if not already:
            new = self.pending_credential(meta, token)
            old_version = stage_holder(meta.versions, CURRENT)
            versions = {v: list(st) for v, st in meta.versions.items()}
            if old_version is not None:
                pin = self._pin(meta, old_version, self.clock() + self.config.grace_seconds)
                versions[old_version] = [
                    s for s in versions[old_version] if parse_revoke_stage(s) is None
                ] + [pin]
            self.store.move_stage(meta.arn, CURRENT, to=token, remove_from=old_version)
            log.info("promoted version to AWSCURRENT", extra={"key_id": new.key_id})
            result["result"] = "promoted"
            # The state we just wrote, without another DescribeSecret.
            meta = replace(meta, versions=self._promoted(versions, token))
        else:
            result["result"] = "already-current"
            meta = self.store.describe(meta.arn)
        # A retry (already) re-ensures every schedule; a first run only the new pin's.
        only = None if already else stage_holder(meta.versions, PREVIOUS)
        result["revokes_scheduled"] = self.schedule_revokes(meta, only=only)
        deployers = self.deployers(meta)
        if local:
            result["deploy"] = "by-driver"  # the local driver runs deploy + verify next
        elif any(d.slow for d in deployers) or self.config.usage_window_seconds > 0:
            result["deploy"] = "scheduled" if self.schedule_deploy(meta, token) else "deferred"
        else:
            result["deploy"] = "inline"
            self.deploy_and_verify(meta.arn, token)
        if not already:
            self.metrics.put("RotationSucceeded", meta.name)
        return result

    @staticmethod
    def _promoted(versions: dict[str, list[str]], token: str) -> dict[str, list[str]]:
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

    # -- pinning and schedules ---------------------------------------------------------

    def _pin(self, meta: SecretMeta, version_id: str, at: float) -> str:
        """Pin ``version_id`` with a single revoke-after label (replacing a stale one)."""
        for stage, _ in revoke_stages(meta.versions.get(version_id, [])):
            self.store.move_stage(meta.arn, stage, remove_from=version_id)
        stage = revoke_stage(at, version_id)
        self.store.move_stage(meta.arn, stage, to=version_id)
        return stage

    def pinned(self, meta: SecretMeta) -> list[tuple[str, str, int]]:
        """``[(version_id, stage, revoke_at)]`` of versions waiting for their revoke."""
        out = []
        for version_id, stages in meta.versions.items():
            for stage, at in revoke_stages(stages):
                out.append((version_id, stage, at))
        return out

    def pinned_credential(self, meta: SecretMeta, version_id: str, stage: str) -> Credential:
        raw = self.store.get_value(meta.arn, stage=stage, version_id=version_id)
        return self.strategy(meta).parse(raw, where=f"version {version_id} of {meta.name}")

    def schedule_revokes(self, meta: SecretMeta, *, only: str | None = None) -> int:
        """Make sure pinned versions have their one-time revoke schedule (idempotent)."""
        count = 0
        for version_id, stage, at in self.pinned(meta):
            if CURRENT in meta.versions.get(version_id, []):
                continue
            if only is not None and version_id != only:
                continue
            try:
                cred = self.pinned_credential(meta, version_id, stage)
            except SecretValueError as exc:
                # e.g. an empty version the service made: there is no key to revoke
                log.warning(
                    "version %s has no key to revoke: %s",
                    version_id,
                    exc.message,
                    extra={"error_correlation_id": exc.correlation_id},
                )
                continue
            payload = {"action": "revoke", "SecretId": meta.arn, "KeyId": cred.key_id}
            if self.scheduler.once(revoke_schedule_name(cred.key_id), at, payload):
                count += 1
        return count

    def schedule_deploy(self, meta: SecretMeta, token: str) -> bool:
        payload = {"action": "deploy", "SecretId": meta.arn, "VersionId": token}
        return self.scheduler.once(deploy_schedule_name(token), self.clock() + 60, payload)

    # -- deploy + verify -----------------------------------------------------------------

    def _accepted(self, meta: SecretMeta, cred: Credential, *, record: bool) -> bool:
        ok = False
        for attempt in range(CONFIRM_ATTEMPTS):
            if attempt:
                self.sleep(CONFIRM_PAUSE_SECONDS)  # a new key can take a moment to propagate
            self.verified[cred.key_id] = self.clock()
            ok = self.strategy(meta).accepts(cred)
            if ok:
                break
        if record:
            self.store.tag(meta.arn, {verified_tag(cred.key_id): str(int(self.clock()))})
        return ok

    def engine_verified_at(self, meta: SecretMeta, key_id: str) -> float | None:
        times = [self.verified.get(key_id)]
        raw = meta.tags.get(verified_tag(key_id))
        if raw and raw.isdigit():
            times.append(float(raw))
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def deploy_and_verify(
        self, secret_id: str, token: str, *, meta: SecretMeta | None = None
    ) -> dict[str, Any]:
        """The ``deploy`` action: run the deployers, verify, roll back on failure.

        ``meta`` is the secret as the caller just read it (saves a DescribeSecret).
        """
        with context(secret_id=secret_id, token=token, action="deploy"):
            meta = meta or self.store.describe(secret_id)
            if CURRENT not in meta.versions.get(token, []):
                log.info("version is no longer AWSCURRENT: nothing to deploy")
                return {"action": "deploy", "result": "superseded"}
            raw = self.store.get_value(meta.arn, stage=CURRENT, version_id=token)
            cred = self.strategy(meta).parse(raw, where=f"current value of {meta.name}")
            try:
                self.run_deployers(meta, token, cred.key_id)
                self.verify_in_use(meta, cred)
            except (VerifyError, DeployError) as exc:
                # Transient AWS/Synap errors propagate instead: the caller retries.
                log.error(
                    "deploy/verify failed, rolling back: %s",
                    exc.message,
                    extra={"error_correlation_id": exc.correlation_id},
                )
                self.metrics.put("RotationFailed", meta.name)
                from rotation.engine.operations import rollback

                rolled = rollback(self, meta.arn, reason=exc.message)
                return {"action": "deploy", "result": "rolled-back", "rollback": rolled}
            return {"action": "deploy", "result": "verified", "key_id": cred.key_id}

    def run_deployers(self, meta: SecretMeta, version_id: str, key_id: str) -> None:
        self._publish(meta, version_id)
        ctx = DeployContext(
            secret_id=meta.name,
            version_id=version_id,
            key_id=key_id,
            clients=self.clients,
            sleep=self.sleep,
            clock=self.clock,
            read_secret=self._read_plain,
            progress=self.progress,
        )
        for deployer in self.deployers(meta):
            try:
                deployer.deploy(ctx)
            except AwsError as exc:
                if exc.transient:
                    raise
                # e.g. the cluster or function does not exist: retrying will not help
                raise DeployError(f"{deployer.kind} deployer: {exc.message}") from exc
            except (RotationError, SynapError):
                raise
            except Exception as exc:  # a deployer's own bug must still lead to rollback
                raise DeployError(f"{deployer.kind} deployer: {type(exc).__name__}") from exc

    def _publish(self, meta: SecretMeta, version_id: str) -> None:
        """Tell the provider first, for kinds it must learn about (a webhook signing secret:
        Synap signs with it from now on); API keys have nothing to publish."""
        strategy = self.strategy(meta)
        publish = getattr(strategy, "deploy", None)
        if publish is None:
            return
        raw = self.store.get_value(meta.arn, stage=CURRENT, version_id=version_id)
        try:
            publish(strategy.parse(raw, where=f"value of {meta.name}"))
        except (RotationError, SynapError):
            raise
        except Exception as exc:
            raise DeployError(f"{strategy.kind} publish: {type(exc).__name__}") from exc

    def _read_plain(self, secret_id: str) -> str:
        raw = self.store.get_value(secret_id, stage=CURRENT)
        if raw is None:
            raise ConfigError(f"secret {secret_id} has no AWSCURRENT value")
        return raw

    def verify_in_use(self, meta: SecretMeta, cred: Credential) -> None:
        """Synap accepts the new key, and (if configured) a consumer uses it in the window."""
        if not self._accepted(meta, cred, record=True):
            raise VerifyError(f"Synap does not accept the new key {cred.key_id}")
        window = self.config.usage_window_seconds
        if window <= 0:
            return
        since = self.verified[cred.key_id]
        deadline = self.clock() + window
        strategy = self.strategy(meta)
        while True:
            used = strategy.last_used(cred.instance_id, cred.key_id)
            if used is not None and used > since + 5:
                self.progress(f"a consumer used key {cred.key_id}")
                return
            if self.clock() >= deadline:
                raise VerifyError(f"no consumer used the new key {cred.key_id} within {window}s")
            self.progress(f"waiting for a consumer to use key {cred.key_id}")
            self.sleep(min(USAGE_POLL_SECONDS, window))
