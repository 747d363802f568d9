"""``synap-policy checklist``: the typer command, registered on the policies CLI.

Thin: parse flags, call :func:`policies.checklist.run_checklist`, render, exit
0 (nothing ``fail`` or ``stale``), 1 (something is; ``--strict`` adds ``manual``),
2 (bad input, raised as :class:`ChecklistError` and mapped by ``policies.cli.main``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from policies.checklist import run_checklist
from policies.checklist.attestations import render_template
from policies.checklist.exceptions import ChecklistError
from policies.checklist.render import FORMATS, render

__all__ = ["checklist", "utc_today"]


def utc_today() -> date:
    return datetime.now(UTC).date()


#: The command's clock; tests replace it (or pass --as-of).
clock: Callable[[], date] = utc_today


def _as_of(value: str | None) -> date:
    if value is None:
        return clock()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ChecklistError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ChecklistError(f"cannot write {path}: {exc.strerror or exc}") from exc


def checklist(
    stack_export: Annotated[
        Path | None,
        typer.Option(help="A `pulumi stack export` file (or build/plan.json from `make plan`)."),
    ] = None,
    repo: Annotated[
        Path | None,
        typer.Option(help="The application repository to scan (honours .gitignore)."),
    ] = None,
    attestations: Annotated[
        Path | None,
        typer.Option(help="YAML of attestations (item, by, on, note) for the manual items."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: text, markdown or json.")
    ] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Release gate: items still `manual` fail the checklist too.")
    ] = False,
    max_age_days: Annotated[
        int | None,
        typer.Option(help="Attestations older than this are `stale` (file's value, else 90)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Judge attestation ages as of this date (YYYY-MM-DD).")
    ] = None,
    write_template: Annotated[
        Path | None,
        typer.Option(help="Write an attestations template for every manual item to FILE; exit 0."),
    ] = None,
) -> None:
    """The production checklist as a report: one row per item with its status and evidence.

    Automated items come from the rule engine (stack rules on --stack-export, the
    scanner and practice rules on --repo); the others from --attestations, which go
    `stale` after --max-age-days. Statuses: pass, fail, manual, attested, stale.
    Exit 0 when nothing is fail or stale (with --strict, nothing manual either),
    1 otherwise, 2 on bad input.
    """
    today = _as_of(as_of)
    if max_age_days is not None and max_age_days < 1:
        raise ChecklistError(f"--max-age-days must be at least 1, got {max_age_days}")
    if write_template is not None:
        _write(write_template, render_template(today=today, max_age_days=max_age_days or 90))
        typer.echo(f"wrote an attestations template to {write_template}")
        raise typer.Exit(0)
    chosen = "json" if as_json else fmt
    if chosen not in FORMATS:
        raise ChecklistError(f"--format must be one of {', '.join(FORMATS)}, got {chosen!r}")
    report = run_checklist(
        today=today,
        stack_export=stack_export,
        repo=repo,
        attestations=attestations,
        max_age_days=max_age_days,
    )
    text = render(report, chosen, strict=strict)
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write(output, text)
        typer.echo(render(report, "text", strict=strict).splitlines()[-1])
    raise typer.Exit(1 if report.failed(strict=strict) else 0)
