"""Plain data shared by every rule: the rule definition and the finding it produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ENFORCEMENT_LEVELS",
    "Enforcement",
    "Family",
    "Finding",
    "Rule",
    "Severity",
]

Severity = Literal["error", "warning", "note"]
Enforcement = Literal["mandatory", "advisory", "disabled"]
Family = Literal["secret", "config", "resource"]
ENFORCEMENT_LEVELS: tuple[Enforcement, ...] = ("mandatory", "advisory", "disabled")


@dataclass(frozen=True)
class Rule:
    """One definition per rule; the pack, the checker and the scanner all read it."""

    id: str
    title: str
    family: Family
    severity: Severity
    enforcement: Enforcement
    remediation: str
    checklist: str


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
