"""Lambda entry point of the rotation engine: ``rotation.handler.lambda_handler``.

Keeps its import path light (no pulumi, typer or rich; boto3 clients built lazily).
"""

from __future__ import annotations

from typing import Any

__all__ = ["lambda_handler"]

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
ACTIONS = ("revoke", "sweep", "rollback", "emergency-revoke", "status")


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Validate the event; the engine itself is being built (issue 4)."""
    if not isinstance(event, dict):
        raise ValueError("event must be a JSON object")
    if "Step" in event:
        if event["Step"] not in STEPS:
            raise ValueError(f"unknown rotation step {event['Step']!r}")
    elif event.get("action") not in ACTIONS:
        raise ValueError(f"unknown action {event.get('action')!r}")
    raise NotImplementedError("the rotation engine is not built yet")
