"""The production checklist as a report: ``synap-policy checklist``.

Items come from :mod:`policies.checklist.items`; the automated ones are decided by the
rule engine (stack checker, scanner, SDK-setting and practice rules), the rest by a
person's attestation (:mod:`policies.checklist.attestations`), which ages.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from policies.checklist.attestations import (
    DEFAULT_MAX_AGE_DAYS,
    Attestation,
    AttestationFile,
    load_attestations,
    parse_attestations,
    render_template,
)
from policies.checklist.evaluate import Facts, evaluate
from policies.checklist.exceptions import AttestationError, ChecklistError
from policies.checklist.items import ITEMS, SECTIONS, Item, attestable_ids
from policies.checklist.render import FORMATS, render
from policies.checklist.report import STATUSES, ChecklistReport, Evidence, ItemResult, Status
from policies.checklist.sources import read_repo, read_stack

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "FORMATS",
    "ITEMS",
    "SECTIONS",
    "STATUSES",
    "Attestation",
    "AttestationError",
    "AttestationFile",
    "ChecklistError",
    "ChecklistReport",
    "Evidence",
    "Facts",
    "Item",
    "ItemResult",
    "Status",
    "attestable_ids",
    "evaluate",
    "load_attestations",
    "parse_attestations",
    "render",
    "render_template",
    "run_checklist",
]


def run_checklist(
    *,
    today: date,
    stack_export: Path | None = None,
    repo: Path | None = None,
    attestations: Path | None = None,
    max_age_days: int | None = None,
) -> ChecklistReport:
    """Read the inputs given and decide every item as of ``today`` (the injected clock)."""
    facts = Facts(
        stack=read_stack(stack_export) if stack_export is not None else None,
        repo=read_repo(repo) if repo is not None else None,
    )
    attested = load_attestations(attestations, today=today) if attestations else None
    return evaluate(facts, attested, today=today, max_age_days=max_age_days)
