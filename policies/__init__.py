"""Policies: one rule engine behind a CrossGuard pack, a stack checker and a secret scanner.

Importing this package loads only its error types; the scanner, the checker and the rule
catalogue load on first use (``policies.scan_paths``), so ``synap-policy``'s entry point
can say which extra is missing, and no command pays for a surface it does not use. The
CrossGuard pack lives in :mod:`policies.pack`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from policies.exceptions import (
    BaselineError,
    ConfigError,
    DiffRangeError,
    GitError,
    InputError,
    PolicyError,
    StackExportError,
)

if TYPE_CHECKING:
    from policies.rules import RULES, Finding, Rule, resolve_enforcement
    from policies.scanner import ScanResult, scan_diff, scan_paths
    from policies.stack import check_resources, load_resources, parse_resources

__all__ = [
    "RULES",
    "BaselineError",
    "ConfigError",
    "DiffRangeError",
    "Finding",
    "GitError",
    "InputError",
    "PolicyError",
    "Rule",
    "ScanResult",
    "StackExportError",
    "check_resources",
    "load_resources",
    "parse_resources",
    "resolve_enforcement",
    "scan_diff",
    "scan_paths",
]

_LAZY = {
    **dict.fromkeys(("RULES", "Finding", "Rule", "resolve_enforcement"), "policies.rules"),
    **dict.fromkeys(("ScanResult", "scan_diff", "scan_paths"), "policies.scanner"),
    **dict.fromkeys(("check_resources", "load_resources", "parse_resources"), "policies.stack"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'policies' has no attribute {name!r}")
