"""What gets minted, checked, tested and retired: one strategy per kind of secret.

The engine runs the same state machine (stages, pinning, schedules, sweep, repair)
for every kind of secret; what differs is behind :class:`SecretStrategy`, chosen per
secret by its tag ``synap:kind`` (``contract.KIND_TAG``; default ``api-key``):

``parse(raw, where)``
    Validate a stored value and return a :class:`Credential` (raise SecretValueError).
``mint(scope, label)``
    Make a new credential. Must be safe to retry with the same ``label``: a retry
    first retires what an earlier attempt with that label made (its value is lost).
``check(cred)``
    setSecret: the provider knows the new credential (read only).
``accepts(cred)``
    testSecret and verification: the provider authenticates it (read only besides
    the provider's own use tracking).
``retire(scope, credential_id)``
    Revoke at the provider; idempotent.
``last_used(scope, credential_id)``
    Epoch seconds of the last use the provider saw, for the still-in-use guard.
``listed(scope)``
    Every credential of the scope, for the sweep (empty when the provider keeps none).

``scope`` is the provider-side container (the Synap instance id). Implemented here:
``api-key`` (:class:`SynapApiKeyStrategy`). The webhook signing secret (32 random
bytes, minted locally, deployed by telling Synap's webhook config) plugs in as another
implementation registered under ``webhook-secret`` with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rotation.engine.decide import SweepCandidate, parse_time
from rotation.engine.exceptions import VerifyError
from rotation.engine.values import KeyValue, parse_key_value
from rotation.synap_client import SynapAdminClient

__all__ = [
    "Credential",
    "SecretStrategy",
    "StrategyFactory",
    "SynapApiKeyStrategy",
    "register",
    "registered",
]


class Credential(Protocol):
    """A stored credential: ids and metadata are public, the value is not."""

    @property
    def key_id(self) -> str: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    def to_json(self) -> str: ...


class SecretStrategy(Protocol):
    kind: str

    def parse(self, raw: str | None, *, where: str = "secret value") -> Credential: ...
    def mint(self, scope: str, label: str) -> Credential: ...
    def check(self, cred: Credential) -> None: ...
    def accepts(self, cred: Credential) -> bool: ...
    def retire(self, scope: str, credential_id: str) -> None: ...
    def last_used(self, scope: str, credential_id: str) -> float | None: ...
    def listed(self, scope: str) -> list[SweepCandidate]: ...


class SynapApiKeyStrategy:
    """Synap API keys through the admin API (``SynapAdminClient``)."""

    kind = "api-key"

    def __init__(self, synap: Callable[[], SynapAdminClient]) -> None:
        self._synap_factory = synap
        self._synap: SynapAdminClient | None = None

    @property
    def synap(self) -> SynapAdminClient:
        if self._synap is None:
            self._synap = self._synap_factory()
        return self._synap

    def parse(self, raw: str | None, *, where: str = "secret value") -> KeyValue:
        return parse_key_value(raw, where=where)

    def mint(self, scope: str, label: str) -> KeyValue:
        # The value of a key made by an earlier attempt with this label was never stored
        # (or the caller would have found it): revoke it so only one key per token lives.
        self.synap.revoke_label(scope, label)
        made = self.synap.create_key(scope, label)
        return KeyValue(
            key_id=made.key_id,
            instance_id=scope,
            label=made.label,
            created_at=made.created_at,
            api_key=made.api_key,
        )

    def check(self, cred: Credential) -> None:
        for key in self.synap.list_keys(cred.instance_id):
            if key.key_id == cred.key_id:
                if not key.active:
                    raise VerifyError(f"key {cred.key_id} is {key.status} at Synap")
                return
        raise VerifyError(f"key {cred.key_id} is not listed at Synap")

    def accepts(self, cred: Credential) -> bool:
        assert isinstance(cred, KeyValue)
        return self.synap.verify_key(cred.instance_id, cred.api_key)

    def retire(self, scope: str, credential_id: str) -> None:
        self.synap.revoke_key(scope, credential_id)

    def last_used(self, scope: str, credential_id: str) -> float | None:
        for key in self.synap.list_keys(scope):
            if key.key_id == credential_id:
                return parse_time(key.last_used_at)
        return None

    def listed(self, scope: str) -> list[SweepCandidate]:
        return [
            SweepCandidate(k.key_id, k.label, k.active, parse_time(k.created_at))
            for k in self.synap.list_keys(scope)
        ]

    def close(self) -> None:
        if self._synap is not None:
            self._synap.close()


#: Builds a strategy; receives the engine's Synap client factory.
StrategyFactory = Callable[[Callable[[], SynapAdminClient]], SecretStrategy]

_REGISTRY: dict[str, StrategyFactory] = {"api-key": SynapApiKeyStrategy}


def register(kind: str, factory: StrategyFactory) -> None:
    """Plug another kind of secret into the engine (e.g. ``webhook-secret``)."""
    _REGISTRY[kind] = factory


def registered() -> dict[str, StrategyFactory]:
    return dict(_REGISTRY)
