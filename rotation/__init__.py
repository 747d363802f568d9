"""synap-keyops rotation: engine, Lambda handler, Synap admin client, consumer library.

Importing this package loads only the standard library (the error tree below), so
``rotation.contract``, the consumer library and the Lambda pay for nothing they do not
use. The admin client and its types load on first use (``rotation.SynapAdminClient``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rotation.exceptions import (
    AuthenticationError,
    AwsError,
    InvalidInputError,
    KeyOpsError,
    NetworkError,
    NetworkTimeoutError,
    NotFoundError,
    RateLimitError,
    RotationError,
    ServiceUnavailableError,
    SynapError,
)
from rotation.retry import RetryPolicy

if TYPE_CHECKING:
    from rotation.synap_client import ApiKey, CreatedKey, SynapAdminClient

__all__ = [
    "ApiKey",
    "AuthenticationError",
    "AwsError",
    "CreatedKey",
    "InvalidInputError",
    "KeyOpsError",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "RateLimitError",
    "RetryPolicy",
    "RotationError",
    "ServiceUnavailableError",
    "SynapAdminClient",
    "SynapError",
]

#: Names that load a module with third-party imports (httpx) when first asked for.
_LAZY = {
    "ApiKey": "rotation.synap_client",
    "CreatedKey": "rotation.synap_client",
    "SynapAdminClient": "rotation.synap_client",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rotation' has no attribute {name!r}")
