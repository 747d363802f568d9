"""Consumer side of synap-keyops: what an application uses to call Synap safely.

- :class:`KeyProvider`: the API key from Secrets Manager, cached (5 min, jittered),
  refreshed once on a 401 so a rotation or an early revoke costs no failed call.
- :class:`WebhookVerifier`: ``X-Synap-Signature`` checks that accept the previous
  signing secret during a rotation's grace.
- :class:`EmfMetrics` and :class:`SynapCallGuard`: the ``Synap/Client`` metrics the
  alarms in ``infra/`` watch, and graceful degradation on transient failures.
- :class:`SynapMemoryClient`: ``memories.create`` / ``context.fetch`` over HTTP.
- :func:`preview_alarms`: would the client alarms fire on these EMF lines (offline)?

Importing this package loads the standard library and botocore's exception types only:
boto3 waits for the first Secrets Manager client, and httpx for the first use of
:class:`SynapMemoryClient` (the CLI's dependencies, pulumi, typer, rich, re2, jsonschema,
pathspec and yaml, are never loaded: an application installs the slim base alone).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rotation.consumer.alarm_preview import AlarmCheck, preview_alarms
from rotation.consumer.exceptions import (
    ConsumerError,
    InvalidSignatureError,
    MalformedSignatureError,
    MissingSignatureError,
    SecretAccessDeniedError,
    SecretFormatError,
    SecretLoadError,
    SecretNotFoundError,
    SecretUnavailableError,
    StaleSignatureError,
    WebhookVerificationError,
)
from rotation.consumer.metrics import CallOutcome, EmfMetrics, emf_record
from rotation.consumer.provider import KeyProvider, SynapKey
from rotation.consumer.secrets import SecretReader, SecretsManagerReader, SecretVersion
from rotation.consumer.webhook import (
    SIGNATURE_HEADER,
    SigningSecrets,
    WebhookVerifier,
    sign,
    verify_signature,
)
from rotation.consumer.wrapper import SynapCallGuard, classify

if TYPE_CHECKING:
    from rotation.consumer.memory_client import SynapMemoryClient

__all__ = [
    "SIGNATURE_HEADER",
    "AlarmCheck",
    "CallOutcome",
    "ConsumerError",
    "EmfMetrics",
    "InvalidSignatureError",
    "KeyProvider",
    "MalformedSignatureError",
    "MissingSignatureError",
    "SecretAccessDeniedError",
    "SecretFormatError",
    "SecretLoadError",
    "SecretNotFoundError",
    "SecretReader",
    "SecretUnavailableError",
    "SecretVersion",
    "SecretsManagerReader",
    "SigningSecrets",
    "StaleSignatureError",
    "SynapCallGuard",
    "SynapKey",
    "SynapMemoryClient",
    "WebhookVerificationError",
    "WebhookVerifier",
    "classify",
    "emf_record",
    "preview_alarms",
    "sign",
    "verify_signature",
]


def __getattr__(name: str) -> Any:
    # httpx (and, where it is installed, its own CLI's rich) loads only when asked for.
    if name == "SynapMemoryClient":
        return importlib.import_module("rotation.consumer.memory_client").SynapMemoryClient
    raise AttributeError(f"module 'rotation.consumer' has no attribute {name!r}")
