"""The flags the engine commands share (typer ``Annotated`` parameter types)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["AdminOpt", "ApiUrlOpt", "JsonOpt", "SecretArg"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
SecretArg = Annotated[str, typer.Argument(help="Secret name or ARN holding the Synap key.")]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option("--api-url", help="Synap base URL (default: $SYNAP_API_URL).", show_default=False),
]
AdminOpt = Annotated[
    str | None,
    typer.Option(
        "--admin-secret-id",
        help='Secret holding {"admin_key"} (default: $SYNAP_ADMIN_SECRET_ID).',
        show_default=False,
    ),
]
