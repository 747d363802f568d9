"""Exceptions of the checklist; they extend the policies tree so the CLI maps them.

::

    policies.exceptions.InputError          (exit 2)
    └── ChecklistError                      permanent: bad checklist input
        └── AttestationError                the attestations file is unreadable or invalid
"""

from __future__ import annotations

from policies.exceptions import InputError

__all__ = ["AttestationError", "ChecklistError"]


class ChecklistError(InputError):
    """Bad input to the checklist (a flag value, a path)."""


class AttestationError(ChecklistError):
    """The attestations file cannot be read, is not valid YAML or breaks the schema."""
