"""Render a checklist report as text (terminal), Markdown (a pull-request comment) or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

from policies.checklist.items import SECTIONS
from policies.checklist.report import ChecklistReport, Evidence, ItemResult, Status

__all__ = [
    "FORMATS",
    "MARKDOWN_LIMIT",
    "render",
    "to_json",
    "to_markdown",
    "to_text",
]

FORMATS = ("text", "markdown", "json")
#: GitHub refuses comments over 65 536 characters; stay well inside it.
MARKDOWN_LIMIT = 60_000
_CELL = 110
_ICON: dict[Status, str] = {
    "pass": "✅",
    "fail": "❌",
    "manual": "✋",
    "attested": "📝",
    "stale": "⌛",
}


def _where(e: Evidence) -> str:
    where = e.where
    if where.startswith("urn:pulumi:"):
        where = where.rsplit("::", 1)[-1]
    return where


def _line(e: Evidence) -> str:
    where = _where(e)
    rule = f"{e.rule_id}: " if e.rule_id else ""
    return f"{rule}{e.text}" + (f" ({where})" if where else "")


def _summary(report: ChecklistReport, strict: bool) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    blocking = report.failing(strict=strict)
    verdict = "FAILED" if blocking else "ok"
    names = f" ({', '.join(r.item.id for r in blocking)})" if blocking else ""
    return f"checklist: {verdict}: {len(report.results)} items: {counts}{names}"


def _inputs(report: ChecklistReport) -> str:
    if not report.inputs:
        return "no inputs"
    return ", ".join(f"{k} {v}" for k, v in report.inputs.items())


def to_text(report: ChecklistReport, *, strict: bool = False) -> str:
    lines = [f"Synap production checklist as of {report.as_of.isoformat()} ({_inputs(report)})"]
    section = ""
    for r in report.results:
        if r.item.section != section:
            section = r.item.section
            lines.append(f"\n{SECTIONS[r.item.section]}")
        lines.append(f"  {r.status:<8} {r.item.id:<28} {r.item.text}")
        lines += [f"  {'':<8} - {_line(e)}" for e in r.evidence]
    lines.append("")
    lines.append(_summary(report, strict))
    return "\n".join(lines) + "\n"


def _cell(text: str, limit: int = _CELL) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    # Pipes end a table cell; < and > would be read as HTML (sha256=<hex> would vanish).
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _evidence_cell(r: ItemResult) -> str:
    if not r.evidence:
        return ""
    first = r.evidence[0]
    where = "" if first.kind == "attestation" else _where(first)  # the file: in the details
    text = _cell(first.text) + (f" `{_cell(where, 60)}`" if where else "")
    more = len(r.evidence) - 1
    return text + (f" (+{more})" if more else "")


def to_markdown(report: ChecklistReport, *, strict: bool = False) -> str:
    """A table that fits a pull-request comment, all evidence in a collapsed block."""
    blocking = report.failing(strict=strict)
    counts = " · ".join(f"{n} {s}" for s, n in report.counts().items())
    head = "❌ blocked" if blocking else "✅ ready"
    lines = [
        f"### Synap production checklist: {head}",
        "",
        f"**{counts}** · as of {report.as_of.isoformat()} · {_cell(_inputs(report), 300)}",
        "",
        "| Section | Item | Status | Evidence |",
        "| --- | --- | --- | --- |",
    ]
    for r in report.results:
        lines.append(
            f"| {SECTIONS[r.item.section]} | `{r.item.id}` {_cell(r.item.text, 80)} "
            f"| {_ICON[r.status]} {r.status} | {_evidence_cell(r)} |"
        )
    if blocking:
        lines += ["", "Blocking: " + ", ".join(f"`{r.item.id}`" for r in blocking)]
    table = "\n".join(lines) + "\n"
    details = ["", "<details><summary>All evidence</summary>", ""]
    for r in report.results:
        details.append(f"- `{r.item.id}` **{r.status}**")
        details += [f"  - {_cell(_line(e), 300)}" for e in r.evidence]
    details += ["", "</details>", ""]
    body = "\n".join(details)
    if len(table) + len(body) > MARKDOWN_LIMIT:
        body = "\n_Evidence details left out to fit a comment: run with `--format json`._\n"
    return table + body


def to_json(report: ChecklistReport, *, strict: bool = False) -> str:
    body = {
        "as_of": report.as_of.isoformat(),
        "max_age_days": report.max_age_days,
        "strict": strict,
        "failed": report.failed(strict=strict),
        "inputs": report.inputs,
        "counts": report.counts(),
        "items": [
            {
                "id": r.item.id,
                "section": r.item.section,
                "text": r.item.text,
                "decided_by": r.item.decided_by,
                "why": r.item.why,
                "rules": list(r.item.rules),
                "needs": list(r.item.needs),
                "status": r.status,
                "evidence": [e.to_dict() for e in r.evidence],
            }
            for r in report.results
        ],
    }
    return json.dumps(body, indent=2) + "\n"


_RENDERERS: dict[str, Callable[..., str]] = {
    "text": to_text,
    "markdown": to_markdown,
    "json": to_json,
}


def render(report: ChecklistReport, fmt: str, *, strict: bool = False) -> str:
    return _RENDERERS[fmt](report, strict=strict)
