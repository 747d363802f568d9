"""Which strategy a secret's ``synap:kind`` tag selects: both kinds, and any plugged in."""

from __future__ import annotations

from collections.abc import Callable

from rotation.engine.strategies.api_key import API_KEY_KIND, SynapApiKeyStrategy
from rotation.engine.strategies.base import SecretStrategy, StrategyFactory
from rotation.engine.strategies.webhook import WEBHOOK_KIND, WebhookSecretStrategy
from rotation.synap_client import SynapAdminClient

__all__ = ["DEFAULT_KIND", "register", "registered"]

#: The kind of a secret without a ``synap:kind`` tag.
DEFAULT_KIND = API_KEY_KIND


def _api_key(synap: Callable[[], SynapAdminClient], clock: Callable[[], float]) -> SecretStrategy:
    return SynapApiKeyStrategy(synap)


def _webhook(synap: Callable[[], SynapAdminClient], clock: Callable[[], float]) -> SecretStrategy:
    return WebhookSecretStrategy(synap, clock=clock)


_REGISTRY: dict[str, StrategyFactory] = {API_KEY_KIND: _api_key, WEBHOOK_KIND: _webhook}


def register(kind: str, factory: StrategyFactory) -> None:
    """Plug another kind of secret into the engine."""
    _REGISTRY[kind] = factory


def registered() -> dict[str, StrategyFactory]:
    return dict(_REGISTRY)
