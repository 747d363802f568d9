"""``lambda``: bump a non-secret version marker so consumer functions re-read at cold start."""

from __future__ import annotations

from dataclasses import dataclass, field

from rotation.deployers.base import MARKER_VARIABLE, DeployContext
from rotation.engine.aws import aws_errors

__all__ = ["LambdaDeployer"]


@dataclass(frozen=True)
class LambdaDeployer:
    functions: list[str] = field(default_factory=list)
    kind: str = "lambda"

    @property
    def slow(self) -> bool:
        return False

    def deploy(self, ctx: DeployContext) -> None:
        client = ctx.clients.client("lambda")
        for name in self.functions:
            with aws_errors(f"GetFunctionConfiguration {name}"):
                current = client.get_function_configuration(FunctionName=name)
            variables = dict((current.get("Environment") or {}).get("Variables") or {})
            if variables.get(MARKER_VARIABLE) == ctx.version_id:
                continue  # a retried deploy: already bumped
            variables[MARKER_VARIABLE] = ctx.version_id
            ctx.progress(f"lambda {name}: {MARKER_VARIABLE} -> {ctx.version_id}")
            with aws_errors(f"UpdateFunctionConfiguration {name}"):
                client.update_function_configuration(
                    FunctionName=name, Environment={"Variables": variables}
                )
