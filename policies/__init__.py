"""Policies: one rule engine behind a CrossGuard pack, a stack checker and a secret scanner.

Importing this package loads no Pulumi code; the pack lives in :mod:`policies.pack`.
"""

from __future__ import annotations

from policies.exceptions import (
    BaselineError,
    ConfigError,
    DiffRangeError,
    GitError,
    InputError,
    PolicyError,
    StackExportError,
)
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
