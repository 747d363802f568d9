"""Turn text matches into findings: redaction, fingerprints, inline allow comments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from policies.rules.catalog import RULES
from policies.rules.model import Enforcement, Finding
from policies.rules.text import TextMatch, default_engine
from rotation.keys import fingerprint as sha256_hex
from rotation.keys import redact

__all__ = ["ALLOW_PATTERN", "TextResult", "finding_fingerprint", "findings_from_bytes"]

#: ``# synap-policy: allow <rule-id> <reason>`` on the line or the line above.
ALLOW_PATTERN = re.compile(
    r"synap-policy:\s*allow\s+(?P<rule>[a-z0-9-]+)(?:[ \t]+(?P<reason>\S[^\n]*))?"
)


def finding_fingerprint(rule_id: str, value: str, path: str) -> str:
    """SHA-256 of rule + secret + path: stable when lines move, distinct per secret."""
    return hashlib.sha256(f"{rule_id}\0{value}\0{path}".encode()).hexdigest()


@dataclass
class TextResult:
    findings: list[Finding] = field(default_factory=list)
    allowed: int = 0


def _allow(text: str, rule_id: str) -> tuple[bool, bool]:
    """(allowed, allow comment without a reason) for one line of text."""
    for m in ALLOW_PATTERN.finditer(text):
        if m.group("rule") == rule_id:
            reason = (m.group("reason") or "").strip().rstrip("*/-#>").strip()
            return (bool(reason), not reason)
    return (False, False)


def _to_finding(match: TextMatch, path: str, line: int, level: Enforcement) -> Finding:
    rule = RULES[match.rule_id]
    secret = rule.family == "secret"
    preview = redact(match.value) if secret else match.value
    message = match.detail or rule.title
    return Finding(
        rule_id=rule.id,
        message=message,
        path=path,
        line=line,
        column=match.column,
        preview=preview,
        fingerprint=finding_fingerprint(rule.id, match.value, path),
        secret_sha256=sha256_hex(match.value) if secret else "",
        enforcement=level,
        severity=rule.severity,
    )


def findings_from_bytes(
    data: bytes,
    path: str,
    enforcement: Mapping[str, Enforcement],
    *,
    line_map: Sequence[int] | None = None,
    whole_file: bool = True,
) -> TextResult:
    """Findings for one file (or the added lines of one file, with ``line_map``)."""
    result = TextResult()
    matches = default_engine().scan(data, whole_file=whole_file)
    if not matches:
        return result
    lines: list[bytes] | None = None
    for match in matches:
        level = enforcement.get(match.rule_id, RULES[match.rule_id].enforcement)
        if level == "disabled":
            continue
        allowed, bare = _allow(match.line_text, match.rule_id)
        if not allowed and not bare and match.line > 1:
            if lines is None:
                lines = data.split(b"\n")
            above = lines[match.line - 2].decode("utf-8", errors="replace")
            allowed, bare = _allow(above, match.rule_id)
        if allowed:
            result.allowed += 1
            continue
        line = line_map[match.line - 1] if line_map is not None else match.line
        finding = _to_finding(match, path, line, level)
        if bare:
            finding = Finding(
                **{
                    **finding.__dict__,
                    "message": finding.message + " (allow comment ignored: it needs a reason)",
                }
            )
        result.findings.append(finding)
    return result
