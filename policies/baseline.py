"""Baseline files: accepted findings by fingerprint, sorted, no timestamps, merge-friendly."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from policies.exceptions import BaselineError
from policies.rules.model import Finding

__all__ = ["BASELINE_VERSION", "apply_baseline", "dump_baseline", "load_baseline"]

BASELINE_VERSION = 1


def dump_baseline(findings: Iterable[Finding]) -> str:
    """The baseline text for these findings: one entry per fingerprint, sorted."""
    entries = {
        f.fingerprint: {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path}
        for f in findings
        if f.fingerprint
    }
    body = {"version": BASELINE_VERSION, "findings": [entries[k] for k in sorted(entries)]}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def load_baseline(path: Path) -> frozenset[str]:
    """Fingerprints accepted by the baseline at ``path``; :class:`BaselineError` if unusable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise BaselineError(f"cannot read baseline {path}: {reason}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not JSON (line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {path} is not a version {BASELINE_VERSION} baseline")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"baseline {path} has no 'findings' list")
    prints: set[str] = set()
    for index, entry in enumerate(entries):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or len(fp) != 64:
            raise BaselineError(f"baseline {path}: entry {index} has no valid fingerprint")
        prints.add(fp)
    return frozenset(prints)


def apply_baseline(findings: list[Finding], accepted: frozenset[str]) -> tuple[list[Finding], int]:
    """(findings not in the baseline, how many the baseline accepted)."""
    kept = [f for f in findings if f.fingerprint not in accepted]
    return kept, len(findings) - len(kept)
