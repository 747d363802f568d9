"""``ecs``: force a new deployment of the listed services and wait until they are stable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rotation.deployers.base import DeployContext
from rotation.engine.aws import aws_errors
from rotation.exceptions import DeployError

__all__ = ["EcsDeployer", "is_stable"]

POLL_SECONDS = 15.0


def is_stable(service: dict[str, Any]) -> bool:
    """One deployment left, running the desired count (as the services-stable waiter checks)."""
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        return False
    only = deployments[0]
    if only.get("rolloutState") == "FAILED":
        raise DeployError(f"ECS service {service.get('serviceName')} rollout failed")
    return bool(service.get("runningCount") == service.get("desiredCount"))


@dataclass(frozen=True)
class EcsDeployer:
    cluster: str
    services: list[str] = field(default_factory=list)
    timeout_seconds: int = 900
    kind: str = "ecs"

    @property
    def slow(self) -> bool:
        return True

    def deploy(self, ctx: DeployContext) -> None:
        ecs = ctx.clients.client("ecs")
        for name in self.services:
            ctx.progress(f"ecs {self.cluster}/{name}: forcing a new deployment")
            with aws_errors(f"UpdateService {name}"):
                ecs.update_service(cluster=self.cluster, service=name, forceNewDeployment=True)
        deadline = ctx.clock() + self.timeout_seconds
        waiting = list(self.services)
        while waiting:
            with aws_errors("DescribeServices"):
                found = ecs.describe_services(cluster=self.cluster, services=waiting)
            waiting = [s["serviceName"] for s in found.get("services", []) if not is_stable(s)]
            missing = {f["arn"].rsplit("/", 1)[-1] for f in found.get("failures", [])}
            if missing:
                raise DeployError(f"ECS services not found: {', '.join(sorted(missing))}")
            if not waiting:
                break
            if ctx.clock() >= deadline:
                raise DeployError(
                    f"ECS services not stable after {self.timeout_seconds}s: {', '.join(waiting)}"
                )
            ctx.progress(f"ecs: waiting for {', '.join(waiting)} to become stable")
            ctx.sleep(POLL_SECONDS)
