"""Read-only views: ``status`` of one secret and ``audit`` of every managed secret."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rotation.contract import KIND_TAG, TIER_DAYS, TIER_TAG
from rotation.engine.context import Engine
from rotation.engine.decide import CURRENT, PENDING, revoke_stages, stage_holder
from rotation.engine.model import SecretMeta
from rotation.exceptions import KeyOpsError, RotationError

__all__ = ["audit", "last_rotation", "status", "tier_of"]

DAY = 86_400


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None


def tier_of(meta: SecretMeta) -> tuple[str, int | None]:
    """The secret's tier and rotation period in days (None when rotation is not set up)."""
    tier = meta.tags.get(TIER_TAG)
    if tier in TIER_DAYS:
        return tier, meta.rotation_days or TIER_DAYS[tier]
    days = meta.rotation_days
    if days is None:
        return "unconfigured", None
    return ("high-security" if days <= TIER_DAYS["high-security"] else "standard"), days


def status(engine: Engine, secret_id: str) -> dict[str, Any]:
    """Versions, stages, ages, pending revokes, an incomplete rotation, next rotation."""
    meta = engine.store.describe(secret_id)
    now = engine.clock()
    versions = engine.store.list_versions(meta.arn)
    created = {v: c for v, _, c in versions}
    out: dict[str, Any] = {
        "secret_id": meta.name,
        "arn": meta.arn,
        "kind": meta.tags.get(KIND_TAG, "api-key"),
        "rotation_enabled": meta.rotation_enabled,
        "versions": [
            {
                "version_id": v,
                "stages": stages,
                "created": _iso(c),
                "age_days": round((now - c) / DAY, 2) if c else None,
            }
            for v, stages, c in sorted(versions, key=lambda x: x[2] or 0, reverse=True)
            if stages
        ],
    }
    current_vid = stage_holder(meta.versions, CURRENT)
    out["current"] = _current(engine, meta, current_vid)
    pending_vid = stage_holder(meta.versions, PENDING)
    out["incomplete_rotation"] = (
        {
            "version_id": pending_vid,
            "fix": f"synap-rotation repair {meta.name}",
        }
        if pending_vid is not None and pending_vid != current_vid
        else None
    )
    out["pending_revokes"] = _pending_revokes(engine, meta, now)
    out["scheduled"] = engine.scheduler.pending("keyops-")
    last = meta.last_rotated.timestamp() if meta.last_rotated else created.get(current_vid or "")
    tier, days = tier_of(meta)
    out["tier"] = tier
    out["last_rotated"] = _iso(last)
    nxt = meta.next_rotation.timestamp() if meta.next_rotation else None
    if nxt is None and last and days:
        nxt = last + days * DAY
    out["next_rotation"] = _iso(nxt)
    return out


def _current(engine: Engine, meta: SecretMeta, version_id: str | None) -> dict[str, Any] | None:
    try:
        current = engine.current_credential(meta)
    except KeyOpsError as exc:
        return {"error": exc.message}
    if current is None:
        return None
    return {"version_id": version_id, "key_id": current.key_id, "instance_id": current.instance_id}


def _pending_revokes(engine: Engine, meta: SecretMeta, now: float) -> list[dict[str, Any]]:
    out = []
    for version_id, stages in meta.versions.items():
        for stage, at in revoke_stages(stages):
            item: dict[str, Any] = {
                "version_id": version_id,
                "revoke_after": _iso(at),
                "due_in_seconds": int(at - now),
            }
            try:
                item["key_id"] = engine.pinned_credential(meta, version_id, stage).key_id
            except RotationError as exc:
                item["error"] = exc.message
            out.append(item)
    return out


def last_rotation(engine: Engine, meta: SecretMeta) -> float | None:
    """When the key in AWSCURRENT became current: LastRotatedDate; for a secret never
    rotated, its creation (no later than its first value, so never younger than the key's
    time in the secret: the overdue alarm errs early); else the AWSCURRENT version's date."""
    if meta.last_rotated is not None:
        return meta.last_rotated.timestamp()
    if meta.created is not None:
        return meta.created.timestamp()
    dates = [c for _, st, c in engine.store.list_versions(meta.arn) if CURRENT in st]
    return dates[0] if dates else None


def audit(engine: Engine, secret_ids: list[str] | None = None) -> dict[str, Any]:
    """Every managed secret (tag ``synap:kind``): tier, last rotation, overdue, pending revokes."""
    if secret_ids is None:
        metas = engine.store.list_managed(KIND_TAG)  # the pages alone: no call per secret
    else:
        metas = [engine.store.describe(secret_id) for secret_id in secret_ids]
    now = engine.clock()
    rows = []
    points: list[tuple[str, str, float]] = []
    for meta in sorted(metas, key=lambda m: m.name):
        tier, days = tier_of(meta)
        last = last_rotation(engine, meta)
        if last is not None:
            # The monitoring contract's "not rotated within period + 1 day" alarm reads this.
            points.append(("DaysSinceLastRotation", meta.name, round((now - last) / DAY, 2)))
        period = days or TIER_DAYS["standard"]
        overdue = last is None or now > last + (period + 1) * DAY
        pending_vid = stage_holder(meta.versions, PENDING)
        rows.append(
            {
                "secret_id": meta.name,
                "tier": tier,
                "rotation_days": days,
                "last_rotated": _iso(last),
                "overdue": overdue,
                "pending_revokes": sum(len(revoke_stages(s)) for s in meta.versions.values()),
                "incomplete_rotation": pending_vid is not None
                and CURRENT not in meta.versions.get(pending_vid, []),
            }
        )
    engine.metrics.put_many(points)
    findings = [r for r in rows if r["overdue"] or r["incomplete_rotation"]]
    return {"secrets": rows, "findings": len(findings)}
