"""Lambda entry point of the rotation engine: ``rotation.handler.lambda_handler``.

Events:

- the Secrets Manager rotation protocol ``{"SecretId", "ClientRequestToken", "Step"}``
  with ``Step`` one of createSecret, setSecret, testSecret, finishSecret;
- actions ``{"action": "revoke", "SecretId", "KeyId"}``, ``{"action": "sweep"}``,
  ``{"action": "rollback", "SecretId"}``, ``{"action": "emergency-revoke", "SecretId"}``,
  ``{"action": "status", "SecretId"}``, ``{"action": "audit"}`` and
  ``{"action": "deploy", "SecretId", "VersionId"}`` (the asynchronous deploy + verify).

The import path stays light (no pulumi, typer or rich); boto3 clients are built lazily.
Configuration comes from the environment (``rotation.engine.config``), never a secret value.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from rotation.engine import operations, report, revoke
from rotation.engine.config import Config
from rotation.engine.context import Engine
from rotation.engine.deploy import deploy_and_verify
from rotation.engine.logs import configure
from rotation.engine.logs import context as log_context
from rotation.engine.rollback import rollback
from rotation.engine.steps import run_step
from rotation.exceptions import StepError

__all__ = ["ACTIONS", "dispatch", "lambda_handler"]

ACTIONS = ("revoke", "sweep", "rollback", "emergency-revoke", "status", "audit", "deploy")

log = logging.getLogger("rotation.engine")


def _need(event: dict[str, Any], *names: str) -> list[str]:
    values = []
    for name in names:
        value = event.get(name)
        if not isinstance(value, str) or not value:
            raise StepError(f"event lacks {name!r}")
        values.append(value)
    return values


def dispatch(engine: Engine, event: Any) -> dict[str, Any]:
    """Route one event to the engine."""
    if not isinstance(event, dict):
        raise StepError("event must be a JSON object")
    if "Step" in event:
        secret_id, token, step = _need(event, "SecretId", "ClientRequestToken", "Step")
        return run_step(engine, secret_id, token, step)
    action = event.get("action")
    handlers: dict[str, Callable[[], dict[str, Any]]] = {
        "revoke": lambda: revoke.revoke(engine, *_need(event, "SecretId", "KeyId")),
        "sweep": lambda: revoke.sweep(engine, event.get("SecretIds")),
        "rollback": lambda: rollback(engine, *_need(event, "SecretId")),
        "emergency-revoke": lambda: operations.emergency_revoke(engine, *_need(event, "SecretId")),
        "status": lambda: report.status(engine, *_need(event, "SecretId")),
        "audit": lambda: report.audit(engine),
        "deploy": lambda: deploy_and_verify(engine, *_need(event, "SecretId", "VersionId")),
    }
    if action not in handlers:
        raise StepError(
            f"unknown action {action!r}; expected a Step or one of {', '.join(ACTIONS)}"
        )
    return handlers[action]()


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """The Lambda entry point. Errors propagate so the service (or schedule) retries."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        # Only in the Lambda runtime: JSON lines to stderr instead of the runtime's format.
        configure()
    request_id = getattr(context, "aws_request_id", None)
    with log_context(correlation_id=request_id):
        engine = Engine(Config.from_env())
        try:
            result = dispatch(engine, event)
        finally:
            engine.close()
        log.info("done: %s", result.get("result", "ok"))
        return result
