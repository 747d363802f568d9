"""The checklist report: one result per item, with its status and evidence. Plain data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from policies.checklist.items import Item

__all__ = ["FAILING", "STATUSES", "ChecklistReport", "Evidence", "ItemResult", "Status"]

Status = Literal["pass", "fail", "manual", "attested", "stale"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "manual", "attested", "stale")
#: Statuses that make the command exit 1 (``manual`` joins them with ``--strict``).
FAILING: frozenset[Status] = frozenset({"fail", "stale"})

EvidenceKind = Literal["rule", "attestation", "note"]


@dataclass(frozen=True)
class Evidence:
    """Why an item has its status: a rule and where it looked, or an attestation."""

    kind: EvidenceKind
    text: str
    rule_id: str = ""
    #: A resource URN, ``path:line``, or ``file[attestations[i]]``.
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        data = {"kind": self.kind, "text": self.text}
        if self.rule_id:
            data["rule_id"] = self.rule_id
        if self.where:
            data["where"] = self.where
        return data


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: Status
    evidence: tuple[Evidence, ...] = ()


@dataclass
class ChecklistReport:
    results: list[ItemResult]
    as_of: date
    max_age_days: int
    #: What was read: ``stack``, ``repo``, ``attestations`` -> path.
    inputs: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[Status, int]:
        seen = Counter(r.status for r in self.results)
        return {s: seen.get(s, 0) for s in STATUSES}

    def failing(self, *, strict: bool = False) -> list[ItemResult]:
        bad = FAILING | {"manual"} if strict else FAILING
        return [r for r in self.results if r.status in bad]

    def failed(self, *, strict: bool = False) -> bool:
        """True when the checklist blocks: a ``fail`` or ``stale`` item (or ``manual``, strict)."""
        return bool(self.failing(strict=strict))
