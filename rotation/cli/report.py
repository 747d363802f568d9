"""Commands that look and clean up: status, audit, sweep.

``status`` and ``audit`` only read; ``sweep`` revokes keys no secret holds any more. Each
exits 1 when it has something to report (an incomplete rotation, findings, unreadable
secrets), so a cron job or a pipeline can act on the exit code alone.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rotation.cli.options import AdminOpt, ApiUrlOpt, JsonOpt, SecretArg
from rotation.cli.output import show
from rotation.cli.session import open_engine, run_on_engine

__all__ = ["audit", "status", "sweep"]

SecretsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Secrets to sweep (default: every secret tagged synap:kind)."),
]


def _status_text(d: dict[str, Any]) -> str:
    lines = [f"{d['secret_id']} ({d['kind']}, tier {d['tier']})"]
    for v in d["versions"]:
        lines.append(f"  {v['version_id']}  {','.join(v['stages'])}  age {v['age_days']}d")
    for p in d["pending_revokes"]:
        lines.append(f"  revoke {p.get('key_id')} after {p['revoke_after']}")
    if d["incomplete_rotation"]:
        lines.append(f"  INCOMPLETE ROTATION: run `{d['incomplete_rotation']['fix']}`")
    lines.append(f"  next rotation: {d['next_rotation'] or 'not scheduled'}")
    return "\n".join(lines)


def _audit_text(d: dict[str, Any]) -> str:
    rows = [
        f"{'OVERDUE ' if r['overdue'] else ''}{r['secret_id']}  tier {r['tier']}  "
        f"last {r['last_rotated']}  pending revokes {r['pending_revokes']}"
        for r in d["secrets"]
    ]
    return "\n".join([*rows, f"{d['findings']} finding(s)"])


def _sweep_text(d: dict[str, Any]) -> str:
    return (
        f"swept {d['secrets']} secrets: revoked {len(d['revoked'])}, "
        f"postponed {len(d['postponed'])}, unreadable {len(d['errors'])}"
    )


def status(
    secret_id: SecretArg,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Versions, stages, ages, pending revokes, an incomplete rotation, next rotation."""
    from rotation.engine.report import status as status_of

    data = run_on_engine(api_url, admin_secret_id, as_json, lambda e: status_of(e, secret_id))
    show(data, as_json, _status_text)
    if data["incomplete_rotation"]:
        raise typer.Exit(1)


def sweep(
    secret_ids: SecretsArg = None,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke keys this tool made that no secret holds any more and whose grace passed."""
    from rotation.engine.revoke import sweep as do_sweep

    data = run_on_engine(
        api_url, admin_secret_id, as_json, lambda e: do_sweep(e, secret_ids or None)
    )
    show(data, as_json, _sweep_text)
    if data["errors"]:
        raise typer.Exit(1)


def audit(
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every managed secret: tier, last rotation, overdue or not, pending revokes."""
    from rotation.engine.report import audit as do_audit

    with open_engine(api_url, admin_secret_id, as_json) as engine:
        data = do_audit(engine)
    show(data, as_json, _audit_text)
    if data["findings"]:
        raise typer.Exit(1)
