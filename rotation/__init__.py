"""synap-keyops rotation engine: Synap admin client, emulator, rotation steps.

Importing this package stays light (no pulumi, typer or rich) so the rotation
Lambda's cold start stays small.
"""

from rotation.exceptions import (
    AuthenticationError,
    InvalidInputError,
    NetworkError,
    NetworkTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    SynapError,
)
from rotation.retry import RetryPolicy
from rotation.synap_client import ApiKey, CreatedKey, SynapAdminClient

__all__ = [
    "ApiKey",
    "AuthenticationError",
    "CreatedKey",
    "InvalidInputError",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "RateLimitError",
    "RetryPolicy",
    "ServiceUnavailableError",
    "SynapAdminClient",
    "SynapError",
]
