"""Output formatters: one report, three renderings (text, JSON, SARIF 2.1.0)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from policies.rules.catalog import RULES
from policies.rules.model import Finding, Rule

__all__ = ["FORMATS", "Format", "Report", "render", "to_sarif"]

Format = Literal["text", "json", "sarif"]
FORMATS: tuple[Format, ...] = ("text", "json", "sarif")
TOOL_NAME = "synap-policy"
TOOL_URI = "https://github.com/synap-keyops/synap-keyops"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass
class Report:
    """What a command found: findings, skipped inputs and counters. No secret values."""

    command: str
    findings: list[Finding]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    #: Where resource findings point in SARIF (the stack export file).
    artifact: str = ""

    @property
    def failed(self) -> bool:
        return any(f.enforcement == "mandatory" for f in self.findings)


def _where(f: Finding) -> str:
    if f.resource:
        return f.resource
    return f"{f.path}:{f.line}:{f.column}" if f.line else f.path


def to_text(report: Report) -> str:
    lines = []
    for f in report.findings:
        preview = f" [{f.preview}]" if f.preview else ""
        lines.append(f"{_where(f)}: {f.rule_id} ({f.enforcement}) {f.message}{preview}")
    for path, reason in report.skipped:
        lines.append(f"skipped {path}: {reason}")
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(report.stats.items()))
    verdict = "FAILED" if report.failed else "ok"
    lines.append(f"{report.command}: {verdict}: {len(report.findings)} finding(s); {counts}")
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    body = {
        "command": report.command,
        "ok": not report.failed,
        "findings": [f.to_dict() for f in report.findings],
        "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
        "stats": report.stats,
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}. Checklist: {rule.checklist}."},
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["security", rule.family], "enforcement": rule.enforcement},
    }


def _sarif_result(f: Finding, index: dict[str, int], artifact: str) -> dict[str, object]:
    uri = f.path or artifact or "."
    region = {"startLine": max(f.line, 1)}
    if f.column:
        region["startColumn"] = f.column
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(uri, safe="/:._-~")},
            "region": region,
        }
    }
    if f.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": f.resource, "kind": "resource"}]
    text = f.message + (f" ({f.preview})" if f.preview else "")
    result: dict[str, object] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": f.severity,
        "message": {"text": text},
        "locations": [location],
        "properties": {"enforcement": f.enforcement},
    }
    if f.fingerprint:
        result["partialFingerprints"] = {"synapPolicyFingerprint/v1": f.fingerprint}
    return result


def to_sarif(report: Report) -> str:
    """SARIF 2.1.0 as GitHub code scanning takes it: rules in the driver, one result each."""
    rules = list(RULES.values())
    index = {r.id: i for i, r in enumerate(rules)}
    notifications = [
        {"level": "note", "message": {"text": f"skipped {path}: {reason}"}}
        for path, reason in report.skipped
    ]
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "informationUri": TOOL_URI,
                "semanticVersion": "0.1.0",
                "rules": [_sarif_rule(r) for r in rules],
            }
        },
        "results": [_sarif_result(f, index, report.artifact) for f in report.findings],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, sort_keys=True) + "\n"


_RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": to_text,
    "json": to_json,
    "sarif": to_sarif,
}


def render(report: Report, fmt: str) -> str:
    return _RENDERERS[fmt](report)
