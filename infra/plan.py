"""`make plan`: run the Pulumi program offline under the project's mocks.

Writes `build/plan.json` in the shape of `pulumi stack export` and prints the resource
tree, so a reviewer (and `synap-policy check --stack-export build/plan.json`) sees the
whole change without a cloud account, a network or the pulumi CLI::

    python -m infra.plan                       # the example stack
    python -m infra.plan Pulumi.prod.yaml --json

Secrets (the `secure:` admin key) are never decrypted: the program gets a placeholder
that Pulumi treats as a secret, and the file shows it in the export's secret envelope.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Mapping
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from infra.config import PROJECT, StackConfig, parse_stack_config
from infra.exceptions import ConfigError, InfraError
from infra.quota import check_policy_quota

__all__ = ["SECRET_SIG", "ExitCode", "build_plan", "load_stack_file", "render_tree"]

DEFAULT_CONFIG = Path("Pulumi.example.yaml")
DEFAULT_OUTPUT = Path("build/plan.json")
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (Pulumi's secret marker)
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
#: What the program sees for a `secure:` value: the ciphertext is never decrypted here.
SECURE_PLACEHOLDER = "[secure value: not decrypted by make plan]"


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    UNEXPECTED = 3


def load_stack_file(path: Path) -> tuple[dict[str, Any], frozenset[str], str]:
    """Read `Pulumi.<stack>.yaml` into (config as Pulumi hands it over, secret keys, stack)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read stack config ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML ({exc.__class__.__name__})") from None
    config = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError(str(path), "must hold a `config:` map")
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret.add(key)
            raw[key] = SECURE_PLACEHOLDER
        elif isinstance(value, str):
            raw[key] = value
        else:
            # Pulumi passes structured and scalar config values to programs as JSON text.
            raw[key] = json.dumps(value)
    stem = path.name
    stack = stem[len("Pulumi.") : -len(".yaml")] if stem.startswith("Pulumi.") else "plan"
    return raw, frozenset(secret), stack or "plan"


def _export_value(value: Any) -> Any:
    from pulumi.runtime.rpc import is_rpc_secret

    if is_rpc_secret(value):
        return {SIG_KEY: SECRET_SIG, "ciphertext": "[secret]"}
    if isinstance(value, Mapping):
        return {str(k): _export_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_export_value(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    import pulumi

    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        sig = ARCHIVE_SIG if isinstance(value, pulumi.FileArchive) else ASSET_SIG
        path = Path(value.path)
        with contextlib.suppress(ValueError):
            path = path.relative_to(Path.cwd())  # the same file in every clone
        return {SIG_KEY: sig, "path": path.as_posix()}
    return type(value).__name__


def build_plan(config_path: Path | str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Run the program for a stack config file under mocks; the `pulumi stack export` dict.

    Raises `ConfigError` for a bad config before any resource is registered.
    """
    import pulumi
    from pulumi.runtime import settings

    from infra.mocks import PlanMocks, RecordingMonitor
    from infra.program import deploy

    raw, secret_keys, stack = load_stack_file(Path(config_path))
    cfg: StackConfig = parse_stack_config(raw, secret_keys)
    region = str(raw.get("aws:region", "us-east-1"))
    check_policy_quota(cfg, stack, region)
    mocks = PlanMocks(region=region)
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)  # a fresh root stack per plan, even in one process
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(raw, sorted(secret_keys))
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None]:
        outputs = deploy(cfg, stack)
        return pulumi.Output.from_input(outputs).apply(resolved.update)

    program()
    resources = []
    for rec in _tree_order(list(monitor.recorded.values())):
        outputs = resolved if rec.type == "pulumi:pulumi:Stack" else rec.outputs
        if not rec.custom and rec.type != "pulumi:pulumi:Stack":
            outputs = monitor.component_outputs.get(rec.urn, {})
        entry: dict[str, Any] = {
            "urn": rec.urn,
            "type": rec.type,
            "custom": rec.custom,
            "parent": rec.parent or None,
            "inputs": _export_value(rec.inputs),
            "outputs": _export_value(outputs),
            "dependencies": rec.dependencies,
        }
        if rec.id:
            entry["id"] = rec.id
        if rec.provider:
            entry["provider"] = rec.provider
        resources.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "offline", "magic": "", "version": "synap-keyops-plan"},
            "resources": resources,
        },
    }


def _tree_order(records: list[Any]) -> list[Any]:
    """Parents before children, siblings by type then name: stable across runs."""
    children: dict[str, list[Any]] = {}
    for rec in records:
        children.setdefault(rec.parent or "", []).append(rec)
    ordered: list[Any] = []

    def walk(parent: str) -> None:
        for rec in sorted(children.get(parent, []), key=lambda r: (r.custom, r.type, r.urn)):
            ordered.append(rec)
            walk(rec.urn)

    walk("")
    return ordered


def render_tree(plan: Mapping[str, Any]) -> str:
    """The resources as an indented tree, parents first, in registration order."""
    resources = plan["deployment"]["resources"]
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for res in resources:
        children.setdefault(res["parent"], []).append(res)
    lines: list[str] = []

    def walk(parent: str | None, indent: str) -> None:
        kids = children.get(parent, [])
        for i, res in enumerate(kids):
            last = i == len(kids) - 1
            name = res["urn"].rsplit("::", 1)[-1]
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{res['type']}  {name}")
            walk(res["urn"], indent + ("   " if last else "│  "))

    walk(None, "")
    return "\n".join(lines)


def count_by_parent_type(plan: Mapping[str, Any]) -> dict[str, int]:
    """Resources (components and custom) under each component, for the summary line."""
    resources = plan["deployment"]["resources"]
    by_urn = {r["urn"]: r for r in resources}
    counts: dict[str, int] = {}
    for res in resources:
        parent = res["parent"]
        while parent is not None and by_urn.get(parent, {}).get("parent") is not None:
            if by_urn[parent]["type"].startswith("synap:keyops:"):
                break
            parent = by_urn[parent]["parent"]
        if parent and parent in by_urn and by_urn[parent]["type"].startswith("synap:keyops:"):
            key = parent.rsplit("::", 1)[-1]
            counts[key] = counts.get(key, 0) + 1
    return counts


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    config: Annotated[Path, typer.Argument(help="Stack config file")] = DEFAULT_CONFIG,
    output: Annotated[Path, typer.Option(help="Where to write the export")] = DEFAULT_OUTPUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary")] = False,
) -> None:
    """Plan a stack offline: write the export and print the resource tree."""
    started = time.perf_counter()
    try:
        plan = build_plan(config)
    except InfraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(plan, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - started
    resources = plan["deployment"]["resources"]
    custom = sum(1 for r in resources if r["custom"])
    per_component = count_by_parent_type(plan)
    if as_json:
        summary = {
            "output": str(output),
            "resources": len(resources),
            "custom_resources": custom,
            "per_component": per_component,
            "seconds": round(elapsed, 2),
        }
        typer.echo(json.dumps(summary, sort_keys=True))
        return
    typer.echo(render_tree(plan))
    typer.echo("")
    for name, count in per_component.items():
        typer.echo(f"  {name}: {count} resources")
    typer.echo(
        f"{len(resources)} resources ({custom} AWS) -> {output} in {elapsed:.1f} s "
        f"(offline, under mocks; check it with: synap-policy check --stack-export {output})"
    )


def run() -> None:
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # one line, never a traceback
        print(f"error: unexpected {exc.__class__.__name__}: {exc}", file=sys.stderr)
        raise SystemExit(ExitCode.UNEXPECTED) from None


if __name__ == "__main__":
    run()
