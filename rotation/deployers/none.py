"""``none``: consumers read the secret at runtime with a cache TTL; wait that long."""

from __future__ import annotations

from dataclasses import dataclass

from rotation.deployers.base import DeployContext

__all__ = ["NoneDeployer"]


@dataclass(frozen=True)
class NoneDeployer:
    ttl_seconds: int = 0
    kind: str = "none"

    @property
    def slow(self) -> bool:
        return self.ttl_seconds > 0

    def deploy(self, ctx: DeployContext) -> None:
        if self.ttl_seconds <= 0:
            return
        ctx.progress(f"waiting {self.ttl_seconds}s for consumer caches (TTL) to expire")
        remaining = float(self.ttl_seconds)
        while remaining > 0:
            step = min(remaining, 10.0)
            ctx.sleep(step)
            remaining -= step
            if remaining > 0:
                ctx.progress(f"cache TTL: {int(remaining)}s left")
