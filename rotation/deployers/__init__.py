"""Deployers: make consumers pick up a new key ("deploy" step of docs/architecture.md).

Configured per secret in ``SYNAP_DEPLOYERS`` (validated against ``contract.DEPLOYERS_SCHEMA``)::

    none    consumers re-read the secret with a cache TTL: wait the TTL
    ecs     force a new deployment of the listed services, wait until stable (timeout)
    lambda  bump a non-secret version marker in the consumer functions' environment
    http    POST a notification signed with HMAC-SHA256 to a deploy hook

A deployer that can take minutes is ``slow``: the engine runs it from its own
asynchronous ``deploy`` action, never inside the four rotation steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotation.deployers.base import DeployContext, Deployer
from rotation.deployers.ecs import EcsDeployer
from rotation.deployers.http import HttpDeployer
from rotation.deployers.lambda_ import LambdaDeployer
from rotation.deployers.none import NoneDeployer
from rotation.exceptions import ConfigError

__all__ = [
    "DeployContext",
    "Deployer",
    "EcsDeployer",
    "HttpDeployer",
    "LambdaDeployer",
    "NoneDeployer",
    "build",
]


def build(config: Mapping[str, Any]) -> Deployer:
    """A deployer from one validated config entry."""
    kind = config.get("type")
    if kind == "none":
        return NoneDeployer(ttl_seconds=int(config.get("ttl_seconds", 0)))
    if kind == "ecs":
        return EcsDeployer(
            cluster=str(config["cluster"]),
            services=[str(s) for s in config["services"]],
            timeout_seconds=int(config.get("timeout_seconds", 900)),
        )
    if kind == "lambda":
        return LambdaDeployer(functions=[str(f) for f in config["functions"]])
    if kind == "http":
        return HttpDeployer(
            url=str(config["url"]),
            signing_secret_id=str(config["signing_secret_id"]),
            timeout_seconds=float(config.get("timeout_seconds", 10)),
        )
    raise ConfigError(f"unknown deployer type {kind!r}")
