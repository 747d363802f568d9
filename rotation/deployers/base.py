"""What every deployer gets and must provide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rotation.engine.aws import AwsClients

__all__ = ["MARKER_VARIABLE", "DeployContext", "Deployer"]

#: The environment variable the ``lambda`` deployer bumps: a version id, never a value.
MARKER_VARIABLE = "SYNAP_KEY_VERSION"


def _quiet(_: str) -> None:
    return None


@dataclass
class DeployContext:
    """Identifiers of the new version and the engine's injected clock, sleep and clients."""

    secret_id: str
    version_id: str
    key_id: str
    clients: AwsClients
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    #: Reads a secret's AWSCURRENT string (the http deployer's signing key).
    read_secret: Callable[[str], str]
    progress: Callable[[str], None] = field(default=_quiet)


class Deployer(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def slow(self) -> bool: ...

    def deploy(self, ctx: DeployContext) -> None: ...
