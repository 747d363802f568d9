"""Errors of the Pulumi program, one rooted tree.

    InfraError
    ├── ConfigError      permanent: the stack config is wrong (names the key and the allowed range)
    └── PackageError     permanent: the rotation Lambda zip is missing or cannot be built

Nothing here is transient: the program makes no network calls of its own (Pulumi and
the AWS provider retry theirs), so every error means "fix the input and run again".
"""

from __future__ import annotations

__all__ = ["ConfigError", "InfraError", "PackageError"]


class InfraError(Exception):
    """Root of every error raised by the infra package."""

    transient = False


class ConfigError(InfraError):
    """A stack config value is unknown, missing or out of range."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


class PackageError(InfraError):
    """The rotation Lambda package cannot be found or built."""
