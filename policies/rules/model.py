"""Plain data shared by every rule: the rule definition, the checks it carries, what they find.

A :class:`Rule` is one definition per rule: its id, its metadata, its default enforcement
and the code that decides it (text detectors, an SDK-setting judge, resource or stack
checks, a repository practice). The family modules define the rules; the catalogue
(:mod:`policies.rules.catalog`) assembles them and the pack, ``check``, ``scan`` and the
checklist are built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from policies.rules.resource_model import Resource, Violation

__all__ = [
    "ENFORCEMENT_LEVELS",
    "Detector",
    "Enforcement",
    "Family",
    "Finding",
    "Hit",
    "PracticeCheck",
    "PracticeResult",
    "ResourceCheck",
    "Rule",
    "Setting",
    "Severity",
    "StackCheck",
    "Validator",
]

Severity = Literal["error", "warning", "note"]
Enforcement = Literal["mandatory", "advisory", "disabled"]
Family = Literal["secret", "config", "resource"]
ENFORCEMENT_LEVELS: tuple[Enforcement, ...] = ("mandatory", "advisory", "disabled")

Validator = Callable[[str, str], bool]  # (value, text following the value) -> is a secret
ResourceCheck = Callable[[Resource], list[Violation]]
StackCheck = Callable[[Sequence[Resource]], list[Violation]]


@dataclass(frozen=True)
class Detector:
    """One exact pattern of a secret rule, behind a prefilter the text engine runs."""

    #: RE2 syntax, no lookaround: matches every line the exact pattern can match.
    prefilter: str
    #: Exact pattern; the secret is group ``value`` (or the whole match).
    pattern: re.Pattern[str]
    validate: Validator
    #: A format no reference looks like: reported even inside an ARN or reference token.
    fixed_format: bool = False
    #: The match may continue past the candidate line (a PEM body).
    multiline: bool = False
    #: Runs after every other detector, so a specific format wins an overlapping match.
    fallback: bool = False


@dataclass(frozen=True)
class Setting:
    """An SDK setting a rule judges, by its normalised name (``log_level``)."""

    name: str
    #: The setting's value as text -> the violation message, or "" when the value is fine.
    judge: Callable[[str], str]


@dataclass(frozen=True)
class Hit:
    """Where a practice was seen: a file and 1-based line."""

    path: str
    line: int
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} {self.detail}".rstrip()


@dataclass(frozen=True)
class PracticeResult:
    rule_id: str
    hits: tuple[Hit, ...] = ()
    #: Why the practice is missing; empty when it is in place.
    violation: str = ""
    extra: tuple[Hit, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.violation


PracticeCheck = Callable[[Iterable[tuple[str, str]]], PracticeResult]


@dataclass(frozen=True)
class Rule:
    """One definition per rule; the pack, the checker, the scanner and the checklist read it."""

    id: str
    title: str
    family: Family
    severity: Severity
    enforcement: Enforcement
    remediation: str
    checklist: str
    #: CrossGuard reports a violation as CRITICAL rather than at the severity's level.
    critical: bool = False
    #: Text: the scanner's detectors for this secret.
    detectors: tuple[Detector, ...] = ()
    #: Text and resource inputs: the SDK setting this rule judges.
    setting: Setting | None = None
    #: Each resource on its own (``check``, and a resource policy of the pack).
    resource_checks: tuple[ResourceCheck, ...] = ()
    #: The whole stack (``check``, and with ``resource_checks`` a stack policy of the pack).
    stack_checks: tuple[StackCheck, ...] = ()
    #: The repository's text files (the checklist).
    practice: PracticeCheck | None = None

    def metadata(self) -> dict[str, str]:
        """What ``synap-policy rules --json`` lists: the rule's data, not its code."""
        return {
            "id": self.id,
            "title": self.title,
            "family": self.family,
            "severity": self.severity,
            "enforcement": self.enforcement,
            "remediation": self.remediation,
            "checklist": self.checklist,
        }


@dataclass(frozen=True)
class Finding:
    """A rule violation. Holds a redacted preview and hashes, never the secret itself.

    ``fingerprint`` hashes rule + secret + path (no line number) so a baseline neither
    churns when lines move nor hides a different secret; ``secret_sha256`` is the
    SHA-256 of the value alone. Resource findings carry ``resource`` (a URN) instead of
    a line.
    """

    rule_id: str
    message: str
    path: str = ""
    line: int = 0
    column: int = 0
    preview: str = ""
    fingerprint: str = ""
    secret_sha256: str = ""
    resource: str = ""
    enforcement: Enforcement = "mandatory"
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view (no secret value is ever in a Finding)."""
        data: dict[str, object] = {
            "rule_id": self.rule_id,
            "message": self.message,
            "severity": self.severity,
            "enforcement": self.enforcement,
        }
        for name in ("path", "line", "column", "preview", "fingerprint", "secret_sha256"):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.resource:
            data["resource"] = self.resource
        return data
