"""Domain types of the engine: what it knows about a secret, apart from any adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["SecretMeta"]


@dataclass(frozen=True)
class SecretMeta:
    """What DescribeSecret tells about a secret (no value)."""

    arn: str
    name: str
    rotation_enabled: bool
    versions: dict[str, list[str]]
    tags: dict[str, str]
    last_rotated: datetime | None
    next_rotation: datetime | None
    rotation_days: int | None
    created: datetime | None = None
