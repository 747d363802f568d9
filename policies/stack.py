"""The stack checker: the resource and stack rules over a stack export or a preview JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from policies.exceptions import StackExportError
from policies.rules.catalog import RESOURCE_CHECKS, RULES, STACK_CHECKS
from policies.rules.model import Enforcement, Finding
from policies.rules.resource_model import Resource, Violation

__all__ = ["Source", "check_resources", "load_resources", "parse_resources"]

Source = Literal["stack-export", "preview-json"]


def _resource(raw: Any, where: str) -> Resource:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise StackExportError(f"{where} is not a resource (no 'type')")
    inputs = raw.get("inputs") or {}
    outputs = raw.get("outputs") or {}
    if not isinstance(inputs, Mapping) or not isinstance(outputs, Mapping):
        raise StackExportError(f"{where} has inputs/outputs that are not objects")
    deps = raw.get("dependencies") or []
    return Resource(
        type=raw["type"],
        urn=str(raw.get("urn", "")),
        props=inputs,
        id=str(raw.get("id", "") or ""),
        outputs=outputs,
        dependencies=tuple(str(d) for d in deps) if isinstance(deps, list) else (),
    )


def parse_resources(data: Any, source: Source) -> list[Resource]:
    """Resources of a ``pulumi stack export`` (or ``make plan``) or ``pulumi preview --json``."""
    if source == "stack-export":
        deployment = data.get("deployment") if isinstance(data, Mapping) else None
        raw = deployment.get("resources") if isinstance(deployment, Mapping) else None
        if not isinstance(raw, list):
            raise StackExportError(
                "not a stack export: expected {'deployment': {'resources': [...]}}"
            )
        return [_resource(r, f"deployment.resources[{i}]") for i, r in enumerate(raw)]
    steps = data.get("steps") if isinstance(data, Mapping) else None
    if not isinstance(steps, list):
        raise StackExportError(
            "not a preview: expected {'steps': [...]} from pulumi preview --json"
        )
    resources = []
    for i, step in enumerate(steps):
        if not isinstance(step, Mapping) or step.get("op") in (
            "delete",
            "discard",
            "delete-replaced",
        ):
            continue
        state = step.get("newState")
        if state is not None:
            resources.append(_resource(state, f"steps[{i}].newState"))
    return resources


def load_resources(path: Path, source: Source) -> list[Resource]:
    """Read and parse a file; every problem is a one-line :class:`StackExportError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackExportError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise StackExportError(f"{path} is not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StackExportError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from exc
    return parse_resources(data, source)


def _finding(v: Violation, path: str, enforcement: Mapping[str, Enforcement]) -> Finding:
    rule = RULES[v.rule_id]
    digest = hashlib.sha256(f"{v.rule_id}\0{v.urn}\0{v.message}".encode()).hexdigest()
    return Finding(
        rule_id=v.rule_id,
        message=v.message,
        path=path,
        resource=v.urn,
        fingerprint=digest,
        enforcement=enforcement.get(v.rule_id, rule.enforcement),
        severity=rule.severity,
    )


def check_resources(
    resources: Sequence[Resource], enforcement: Mapping[str, Enforcement], path: str = ""
) -> list[Finding]:
    """Every resource rule on every resource, then every stack rule; disabled rules dropped."""
    violations = [v for r in resources for check in RESOURCE_CHECKS for v in check(r)]
    violations += [v for check in STACK_CHECKS for v in check(resources)]
    findings = [_finding(v, path, enforcement) for v in violations]
    return [f for f in findings if f.enforcement != "disabled"]
