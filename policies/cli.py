"""``synap-policy``: the stack checker and the pull-request secret scanner.

Commands are thin: parse flags, call the library, render one report. Exit codes:
0 clean, 1 findings (a mandatory violation), 2 usage or bad input, 3 unexpected.
Errors are one line on stderr; no secret value is ever printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from policies.baseline import apply_baseline, dump_baseline, load_baseline
from policies.checklist.command import checklist
from policies.exceptions import InputError, PolicyError
from policies.output import FORMATS, Report, render
from policies.rules.catalog import RULES, resolve_enforcement
from policies.rules.model import Enforcement
from policies.scanner import DEFAULT_MAX_FILE_SIZE, ScanResult, scan_diff, scan_paths
from policies.stack import Source, check_resources, load_resources
from rotation.cli.output import ExitCode, run_app

__all__ = ["ExitCode", "app", "main"]


app = typer.Typer(
    name="synap-policy",
    help="Block embedded Synap keys and production-checklist violations: "
    "check a Pulumi stack export or preview, or scan files and pull-request diffs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Output format: text, json or sarif (2.1.0).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")
]
EnforceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--enforce",
        help="Override a rule's enforcement: RULE=mandatory|advisory|disabled (repeatable).",
    ),
]


class _UsageError(InputError):
    """A bad combination of flags."""


def _enforcement(pairs: list[str] | None) -> dict[str, Enforcement]:
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        rule_id, sep, level = pair.partition("=")
        if not sep:
            raise _UsageError(f"--enforce expects RULE=LEVEL, got {pair!r}")
        overrides[rule_id.strip()] = level.strip()
    return resolve_enforcement(overrides)


def _format(fmt: str, as_json: bool) -> str:
    chosen = "json" if as_json else fmt
    if chosen not in FORMATS:
        raise _UsageError(f"--format must be one of {', '.join(FORMATS)}, got {chosen!r}")
    return chosen


def _emit(report: Report, fmt: str, output: Path | None) -> None:
    text = render(report, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}") from exc
    if fmt != "text":
        typer.echo(render(report, "text").splitlines()[-1])


@app.command()
def check(
    stack_export: Annotated[
        Path | None,
        typer.Option(help="A `pulumi stack export` file (or build/plan.json from `make plan`)."),
    ] = None,
    preview_json: Annotated[
        Path | None, typer.Option(help="The output of `pulumi preview --json`.")
    ] = None,
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    enforce: EnforceOpt = None,
) -> None:
    """Run the resource and stack rules on a stack export or a preview (CI without CrossGuard).

    Exit 0 clean (advisory findings allowed), 1 on a mandatory violation, 2 on bad input.
    """
    if (stack_export is None) == (preview_json is None):
        raise _UsageError("give exactly one of --stack-export FILE or --preview-json FILE")
    fmt = _format(fmt, as_json)
    levels = _enforcement(enforce)
    source: Source = "stack-export" if stack_export is not None else "preview-json"
    path = stack_export or preview_json
    assert path is not None
    resources = load_resources(path, source)
    findings = check_resources(resources, levels, path.as_posix())
    report = Report(
        "check", findings, stats={"resources": len(resources)}, artifact=path.as_posix()
    )
    _emit(report, fmt, output)
    raise typer.Exit(ExitCode.FINDINGS if report.failed else ExitCode.OK)


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (honours .gitignore).")
    ] = None,
    diff: Annotated[
        str | None,
        typer.Option("--diff", help="Scan only lines added in BASE..HEAD (cost follows the diff)."),
    ] = None,
    staged: Annotated[bool, typer.Option(help="Scan only lines added in the git index.")] = False,
    repo: Annotated[Path, typer.Option(help="Repository for --diff / --staged.")] = Path("."),
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Accept the findings whose fingerprints are in FILE.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Write the current findings to FILE as a baseline; exit 0.")
    ] = None,
    max_file_size: Annotated[
        int, typer.Option(help="Skip (and report) files or diffs larger than this many bytes.")
    ] = DEFAULT_MAX_FILE_SIZE,
    enforce: EnforceOpt = None,
) -> None:
    """Scan files, a diff range or the index for secrets and SDK settings.

    Suppress one finding with a comment on its line or the line above:
    `synap-policy: allow <rule-id> <reason>` (the reason is required).
    Exit 0 clean, 1 findings, 2 usage or I/O error.
    """
    modes = sum([bool(paths), diff is not None, staged])
    if modes != 1:
        raise _UsageError("give PATH..., --diff BASE..HEAD or --staged (exactly one)")
    if max_file_size <= 0:
        raise _UsageError("--max-file-size must be positive")
    fmt = _format(fmt, as_json)
    levels = _enforcement(enforce)
    accepted = load_baseline(baseline) if baseline is not None else frozenset()
    result: ScanResult
    if paths:
        result = scan_paths(paths, levels, max_file_size=max_file_size, base=Path.cwd())
    else:
        result = scan_diff(repo, levels, rev_range=diff, staged=staged, max_file_size=max_file_size)
    if write_baseline is not None:
        try:
            write_baseline.write_text(dump_baseline(result.findings), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {write_baseline}: {exc.strerror}") from exc
        typer.echo(f"wrote {len(result.findings)} fingerprint(s) to {write_baseline}")
        raise typer.Exit(ExitCode.OK)
    findings, result.baselined = apply_baseline(result.findings, accepted)
    stats = {
        "files": result.files_scanned,
        "bytes": result.bytes_scanned,
        "allowed": result.allowed,
        "baselined": result.baselined,
        "skipped": len(result.skipped),
    }
    skipped = [(s.path, s.reason) for s in result.skipped]
    report = Report("scan", findings, skipped=skipped, stats=stats)
    _emit(report, fmt, output)
    raise typer.Exit(ExitCode.FINDINGS if report.failed else ExitCode.OK)


@app.command()
def rules(as_json: JsonOpt = False) -> None:
    """List every rule: id, family, severity, default enforcement and the checklist item."""
    if as_json:
        typer.echo(json.dumps([r.metadata() for r in RULES.values()], indent=2))
        return
    for r in RULES.values():
        typer.echo(f"{r.id:28} {r.family:8} {r.severity:7} {r.enforcement:9} {r.title}")


app.command(name="checklist")(checklist)


def main() -> None:
    """Console-script entry point: one-line errors and the documented exit codes."""
    run_app(app, "synap-policy", [(InputError, ExitCode.USAGE), (PolicyError, ExitCode.FINDINGS)])
