"""The emulator's error answer, shared by its key and memory routes."""

from __future__ import annotations

from typing import Any

__all__ = ["HttpError"]


class HttpError(Exception):
    """An error answer in Synap's ``{"error", "code", "details"}`` shape."""

    def __init__(self, status: int, message: str, code: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {"error": self.message, "code": self.code, "details": self.details}
