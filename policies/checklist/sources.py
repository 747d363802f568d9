"""The checklist's adapters: read a stack export and a repository into plain facts.

Everything here calls the rule engine (the stack checker, the scanner, the SDK-setting
and practice rules); nothing decides an item. :mod:`policies.checklist.evaluate` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policies.exceptions import InputError
from policies.rules.catalog import PRACTICE_CHECKS, resolve_enforcement
from policies.rules.model import Finding, PracticeResult
from policies.rules.practices import CODE_SUFFIXES, RUNBOOKS_DIR
from policies.rules.resource_model import Resource
from policies.rules.sdk import (
    SETTING_RULES,
    check_setting,
    find_settings,
    has_timeout,
    normalise_key,
)
from policies.scanner import (
    DEFAULT_MAX_FILE_SIZE,
    ScanResult,
    Skipped,
    iter_files,
    scan_bytes_as,
)
from policies.stack import check_resources, load_resources

__all__ = [
    "SDK_SETTINGS",
    "RepoFacts",
    "SeenSetting",
    "StackFacts",
    "read_repo",
    "read_stack",
    "stack_settings",
]

#: The SDK settings the checklist names, as :func:`normalise_key` spells them.
SDK_SETTINGS: tuple[str, ...] = tuple(SETTING_RULES)
_BINARY_PROBE = 8192


@dataclass(frozen=True)
class SeenSetting:
    """An SDK setting found in a file or a resource input, and its verdict."""

    name: str
    value: str
    #: ``path:line`` or ``urn input.path``: shown as evidence.
    where: str
    ok: bool
    #: The file or resource URN that sets it (one place may set several settings).
    place: str
    #: True when the same file (or mapping) also sets a timeout.
    with_timeout: bool = False


@dataclass
class StackFacts:
    path: str
    resources: list[Resource]
    findings: list[Finding]
    settings: list[SeenSetting] = field(default_factory=list)


@dataclass
class RepoFacts:
    root: str
    scan: ScanResult
    settings: list[SeenSetting] = field(default_factory=list)
    practices: dict[str, PracticeResult] = field(default_factory=dict)


def _walk_mappings(value: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        yield path, value
        for key, item in value.items():
            yield from _walk_mappings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_mappings(item, f"{path}[{i}]")


def stack_settings(resources: list[Resource]) -> list[SeenSetting]:
    """SDK settings in resource inputs (a consumer's ``SYNAP_LOG_LEVEL`` env var...)."""
    seen = []
    for r in resources:
        for path, mapping in _walk_mappings(r.props, ""):
            timeout = any(has_timeout(str(k)) for k in mapping)
            for key, value in mapping.items():
                name = normalise_key(str(key))
                if name in SDK_SETTINGS:
                    ok = check_setting(name, value) is None
                    where = f"{r.urn} {path}.{key}" if path else f"{r.urn} {key}"
                    seen.append(SeenSetting(name, str(value), where, ok, r.urn, timeout))
    return seen


def read_stack(path: Path) -> StackFacts:
    """The stack checker's findings on a ``pulumi stack export`` (or ``make plan``) file."""
    resources = load_resources(path, "stack-export")
    findings = check_resources(resources, resolve_enforcement(), path.as_posix())
    return StackFacts(path.as_posix(), resources, findings, stack_settings(resources))


def _file_settings(rel: str, text: str) -> list[SeenSetting]:
    if "synap" not in text.lower():
        return []  # the engine only reads SDK settings in files that mention Synap
    timeout = has_timeout(text)
    seen = []
    for number, line in enumerate(text.splitlines(), 1):
        for key, value, _col in find_settings(line):
            name = normalise_key(key)
            ok = check_setting(key, value) is None
            seen.append(SeenSetting(name, value, f"{rel}:{number}", ok, rel, timeout))
    return seen


def read_repo(root: Path, *, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> RepoFacts:
    """Scan a repository once: secret and SDK findings, SDK settings, practices.

    Files are walked as the scanner walks them (``.gitignore`` honoured, ``.git`` skipped).
    """
    if not root.is_dir():
        raise InputError(f"--repo {root}: not a directory")
    levels = resolve_enforcement()
    facts = RepoFacts(root.as_posix(), ScanResult())
    texts: list[tuple[str, str]] = []
    base = root.resolve()
    for path in iter_files(root):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.resolve().relative_to(base).as_posix()
        try:
            size = path.stat().st_size
            if size > max_file_size:
                facts.scan.skipped.append(Skipped(rel, f"larger than {max_file_size} bytes"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            facts.scan.skipped.append(Skipped(rel, f"unreadable: {exc.strerror or exc}"))
            continue
        scan_bytes_as(facts.scan, rel, data, levels, max_file_size)
        if not data or b"\0" in data[:_BINARY_PROBE]:
            continue
        text = data.decode("utf-8", errors="replace")
        facts.settings.extend(_file_settings(rel, text))
        suffix = path.suffix.lower()
        if suffix in CODE_SUFFIXES or rel.startswith(f"{RUNBOOKS_DIR}/"):
            texts.append((rel, text))
    for check in PRACTICE_CHECKS:
        result = check(texts)
        facts.practices[result.rule_id] = result
    return facts
