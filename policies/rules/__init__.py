"""The rule engine: pure functions over plain data (bytes, dicts), no I/O, no Pulumi."""

from __future__ import annotations

from policies.rules.catalog import RULES, get_rule, resolve_enforcement
from policies.rules.model import Enforcement, Finding, Rule, Severity
from policies.rules.text import TextEngine, TextMatch, default_engine, scan_bytes

__all__ = [
    "RULES",
    "Enforcement",
    "Finding",
    "Rule",
    "Severity",
    "TextEngine",
    "TextMatch",
    "default_engine",
    "get_rule",
    "resolve_enforcement",
    "scan_bytes",
]
