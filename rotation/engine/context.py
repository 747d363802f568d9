"""The engine's context: configuration, collaborators and credential reads.

One :class:`Engine` per invocation (or CLI command). It holds the config, the lazily
built AWS clients and Synap admin client, the injected clock and sleep, and reads the
credentials a secret's versions hold. It decides and orders nothing: the protocol steps
(``steps``), the deploy phase (``deploy``), rollback, revoke, report and the operator
actions are functions that take an Engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rotation.contract import KIND_TAG
from rotation.deployers import Deployer, build
from rotation.engine.aws import AwsClients, Metrics, SecretsStore
from rotation.engine.config import Config, deployers_for
from rotation.engine.decide import CURRENT, PENDING, stage_holder
from rotation.engine.model import SecretMeta
from rotation.engine.scheduler import Scheduler
from rotation.engine.strategies.base import Credential, SecretStrategy
from rotation.engine.strategies.registry import DEFAULT_KIND, registered
from rotation.engine.values import parse_admin_key
from rotation.exceptions import ConfigError, StepError
from rotation.synap_client import SynapAdminClient

__all__ = [
    "CONFIRM_ATTEMPTS",
    "CONFIRM_PAUSE_SECONDS",
    "VERIFIED_TAG_PREFIX",
    "Engine",
    "verified_tag",
]

log = logging.getLogger("rotation.engine")

#: Secret tag recording when the engine itself last verified a key (the still-in-use
#: guard must not count the engine's own calls as a consumer's use).
VERIFIED_TAG_PREFIX = "keyops:verified:"
#: Pause before re-checking a key whose acceptance or revocation lags at the provider.
CONFIRM_ATTEMPTS = 3
CONFIRM_PAUSE_SECONDS = 2.0


def verified_tag(key_id: str) -> str:
    return VERIFIED_TAG_PREFIX + key_id


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
        """The Synap admin client, built on first use."""
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

    @property
    def synap_built(self) -> SynapAdminClient | None:
        """The Synap admin client if one was built (call counting), else None."""
        return self._synap

    def strategy(self, meta: SecretMeta) -> SecretStrategy:
        kind = meta.tags.get(KIND_TAG, DEFAULT_KIND)
        if kind not in self._strategies:
            factories = registered()
            if kind not in factories:
                raise ConfigError(f"secret {meta.name}: unknown {KIND_TAG} {kind!r}")
            self._strategies[kind] = factories[kind](self.synap, self.clock)
        return self._strategies[kind]

    def deployers(self, meta: SecretMeta) -> list[Deployer]:
        return [build(c) for c in deployers_for(self.config.deployers, meta.name, meta.arn)]

    def close(self) -> None:
        if self._synap is not None:
            self._synap.close()

    # -- credentials -----------------------------------------------------------------------

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

    def pinned_credential(self, meta: SecretMeta, version_id: str, stage: str) -> Credential:
        raw = self.store.get_value(meta.arn, stage=stage, version_id=version_id)
        return self.strategy(meta).parse(raw, where=f"version {version_id} of {meta.name}")

    def read_plain(self, secret_id: str) -> str:
        """The AWSCURRENT value of another secret (a deploy hook's signing key)."""
        raw = self.store.get_value(secret_id, stage=CURRENT)
        if raw is None:
            raise ConfigError(f"secret {secret_id} has no AWSCURRENT value")
        return raw

    # -- verification ----------------------------------------------------------------------

    def accepted(self, meta: SecretMeta, cred: Credential, *, record: bool) -> bool:
        """Synap accepts ``cred`` (a few tries: a new key can take a moment to propagate).

        ``record`` tags the secret with the time, so a later still-in-use guard in another
        invocation does not count the engine's own call as a consumer's use.
        """
        ok = False
        for attempt in range(CONFIRM_ATTEMPTS):
            if attempt:
                self.sleep(CONFIRM_PAUSE_SECONDS)
            self.verified[cred.key_id] = self.clock()
            ok = self.strategy(meta).accepts(cred)
            if ok:
                break
        if record:
            self.store.tag(meta.arn, {verified_tag(cred.key_id): str(int(self.clock()))})
        return ok

    def engine_verified_at(self, meta: SecretMeta, key_id: str) -> float | None:
        """When the engine itself last called Synap with ``key_id`` (this process or tag)."""
        times = [self.verified.get(key_id)]
        raw = meta.tags.get(verified_tag(key_id))
        if raw and raw.isdigit():
            times.append(float(raw))
        known = [t for t in times if t is not None]
        return max(known) if known else None
