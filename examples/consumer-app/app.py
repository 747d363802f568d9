"""A support bot's Synap calls, done the way the production checklist asks."""

from __future__ import annotations

import logging
import os
from typing import Any

from rotation.consumer import (
    EmfMetrics,
    KeyProvider,
    SynapCallGuard,
    SynapMemoryClient,
    WebhookVerificationError,
    WebhookVerifier,
)

log = logging.getLogger("support_bot")

INSTANCE_ID = os.environ.get("SYNAP_INSTANCE_ID", "inst_0123456789abcdef")
provider = KeyProvider(os.environ.get("SYNAP_API_KEY_SECRET_ID", "synap/prod/api-key"))
guard = SynapCallGuard(EmfMetrics(INSTANCE_ID))
verifier = WebhookVerifier(os.environ.get("SYNAP_WEBHOOK_SECRET_ID", "synap/prod/webhook-secret"))
memory = SynapMemoryClient(os.environ.get("SYNAP_API_URL", "https://api.maximem.ai"), provider)


def answer(question: str) -> str:
    """Answer with memory when Synap is there, without it when it is not."""
    context = guard.call(
        "context.fetch",
        lambda: memory.fetch_context(question, mode="fast"),
        mode="fast",
        zero_results=lambda items: not items,
    )
    if context is None:  # transient failure: logged with its correlation id by the guard
        return "Let me help you with that."
    return f"Based on what you told us before ({len(context)} notes): let me help."


def remember(note: str) -> None:
    guard.call("memories.create", lambda: memory.create_memory(note), mode="fast")


def on_webhook(raw_body: bytes, headers: dict[str, str]) -> int:
    """HTTP status for a Synap webhook delivery."""
    try:
        verifier.verify(raw_body, headers.get("X-Synap-Signature"))
    except WebhookVerificationError as exc:
        log.warning(
            "rejected webhook: %s",
            type(exc).__name__,
            extra={"correlation_id": headers.get("X-Correlation-Id")},
        )
        return 401
    return 204


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return {"answer": answer(str(event.get("question", "")))}
