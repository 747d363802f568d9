"""One definition per rule: each surface reports catalogue rules only, and covers the catalogue.

The surfaces are the CrossGuard pack (its policies), ``synap-policy check`` (the resource
and stack checks it runs), ``synap-policy scan`` (the text engine's detectors and SDK
settings) and the checklist (its items' rules and the practice checks it runs). Their
rule ids are collected from what each is built of and from what each reports on stacks
and text that break the rules; every id must be a catalogue id, and every catalogue
rule must be used by some surface. A rule id is written once, in its ``Rule(...)``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

import policies
from policies import stack
from policies.checklist import run_checklist
from policies.checklist.items import ITEMS
from policies.pack import POLICIES
from policies.rules.catalog import PRACTICE_CHECKS, RESOURCE_CHECKS, RULES, STACK_CHECKS
from policies.rules.text import default_engine

from .checklist_fixtures import TODAY, write_export, write_repo
from .helpers import broken_export, generate_key
from .test_rules_secrets import POSITIVES

CATALOGUE = set(RULES)


def _carried_by(checks: Iterable[Callable[..., object]]) -> tuple[set[str], list[str]]:
    """Ids of the catalogue rules that carry these checks, and the checks none carries."""
    ids: set[str] = set()
    orphans: list[str] = []
    for check in checks:
        owners = {
            r.id
            for r in RULES.values()
            if check in (*r.resource_checks, *r.stack_checks) or check is r.practice
        }
        ids |= owners
        if not owners:
            orphans.append(getattr(check, "__name__", repr(check)))
    return ids, orphans


def pack_ids() -> set[str]:
    return {p.name for p in POLICIES}


def check_ids() -> set[str]:
    ids, _ = _carried_by([*RESOURCE_CHECKS, *STACK_CHECKS])
    return ids


def scan_ids() -> set[str]:
    return set(default_engine().rule_ids)


def checklist_ids() -> set[str]:
    practices, _ = _carried_by(PRACTICE_CHECKS)
    return {rule_id for item in ITEMS.values() for rule_id in item.rules} | practices


SURFACES: dict[str, Callable[[], set[str]]] = {
    "pack": pack_ids,
    "check": check_ids,
    "scan": scan_ids,
    "checklist": checklist_ids,
}


@pytest.mark.parametrize("surface", SURFACES)
def test_every_rule_id_a_surface_uses_is_a_catalogue_rule(surface: str) -> None:
    unknown = SURFACES[surface]() - CATALOGUE
    assert not unknown, f"{surface} uses rule ids the catalogue does not define: {unknown}"


def test_every_check_the_checker_and_checklist_run_is_carried_by_a_rule() -> None:
    _, orphans = _carried_by([*RESOURCE_CHECKS, *STACK_CHECKS])
    _, orphan_practices = _carried_by(PRACTICE_CHECKS)
    assert orphans + orphan_practices == []


def test_every_catalogue_rule_is_used_by_a_surface() -> None:
    used = set().union(*(ids() for ids in SURFACES.values()))
    assert CATALOGUE - used == set()


def test_each_surface_covers_the_rules_of_its_kind() -> None:
    on_resources = {r.id for r in RULES.values() if r.resource_checks or r.stack_checks}
    assert pack_ids() == on_resources
    assert check_ids() == on_resources
    assert {r.id for r in RULES.values() if r.detectors or r.setting} <= scan_ids()
    assert {r.id for r in RULES.values() if r.practice} <= checklist_ids()


def test_what_each_surface_reports_is_a_catalogue_rule(tmp_path: Path) -> None:
    """Rules broken on purpose: the ids actually reported, not only the declared ones."""
    export, _ = broken_export()
    resources = stack.parse_resources(export, "stack-export")
    reported = {"check": {f.rule_id for f in stack.check_resources(resources, {})}}
    text = "\n".join(template.format(v=make()) for template, make, _ in POSITIVES)
    text += "\n# synap\nlog_level: DEBUG\ncache_backend: memory\nbackoff_jitter: false\n"
    text += f"session_timeout_minutes: 2\nSYNAP_API_KEY={generate_key()}\n"
    reported["scan"] = {m.rule_id for m in default_engine().scan(text.encode())}
    stack_export = write_export(tmp_path / "broken.json", export)
    empty_repo = tmp_path / "empty"
    empty_repo.mkdir()
    reports = [
        run_checklist(today=TODAY, stack_export=stack_export, repo=write_repo(tmp_path / "repo")),
        run_checklist(today=TODAY, repo=empty_repo),  # every practice missing
    ]
    reported["checklist"] = {
        e.rule_id for report in reports for r in report.results for e in r.evidence if e.rule_id
    }
    for surface, ids in reported.items():
        assert ids, surface
        assert ids <= CATALOGUE, f"{surface} reported {ids - CATALOGUE}"


# -- a rule id is written once ---------------------------------------------------------------


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _called(node: ast.AST | None) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return ""


def _allowed(node: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    """The rule's own definition, or a checklist item id that happens to equal a rule id."""
    parent = parents.get(node)
    if isinstance(parent, ast.Call) and parent.args[:1] == [node]:
        return _called(parent) in ("Rule", "Item")
    if isinstance(parent, ast.Dict) and node in parent.keys:
        owner = parents.get(parent)
        targets = getattr(owner, "targets", None) or [getattr(owner, "target", None)]
        return any(getattr(t, "id", "") == "EVALUATORS" for t in targets)  # item id -> evaluator
    return False


def test_rule_ids_are_written_once_in_their_rule_definition() -> None:
    root = Path(policies.__file__).parent
    defined: dict[str, list[str]] = {}
    stray: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and node.value in CATALOGUE):
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno} {node.value!r}"
            if not _allowed(node, parents):
                stray.append(where)
            elif _called(parents.get(node)) == "Rule":
                defined.setdefault(str(node.value), []).append(where)
    assert stray == [], "rule ids written outside their Rule(...): use the Rule's constant"
    assert {rule_id: len(where) for rule_id, where in defined.items()} == dict.fromkeys(
        CATALOGUE, 1
    )
