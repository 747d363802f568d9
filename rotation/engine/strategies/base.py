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
``publish(cred)`` (optional, :class:`Publishing`)
    Tell the provider the new credential before the deployers run (a webhook signing
    secret: Synap signs with it from then on). API keys have nothing to publish.

``scope`` is the provider-side container (the Synap instance id). The kinds live beside
this module: ``api_key.py`` and ``webhook.py``; ``registry.py`` maps tags to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from rotation.engine.decide import SweepCandidate
from rotation.synap_client import SynapAdminClient

__all__ = ["Credential", "Publishing", "SecretStrategy", "StrategyFactory"]


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


@runtime_checkable
class Publishing(Protocol):
    """A strategy whose new credential the provider must learn before consumers use it."""

    def publish(self, cred: Credential) -> None: ...


#: Builds a strategy from the engine's Synap client factory and its clock.
StrategyFactory = Callable[[Callable[[], SynapAdminClient], Callable[[], float]], SecretStrategy]
