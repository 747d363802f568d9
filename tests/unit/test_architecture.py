"""The house rules of the layout (docs/architecture.md), checked from the source.

- no import cycle among the modules of rotation, policies and infra, counting imports
  inside functions too (only ``if TYPE_CHECKING:`` imports are exempt);
- the import direction: rotation never imports infra or pulumi, policies never imports
  infra, and only the CLIs import the CLI package;
- no module over 400 lines;
- ``rotation``, ``rotation.contract`` and ``rotation.consumer`` stay light from a fresh
  interpreter, and the consumer works where the CLI's dependencies are not installed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rotation", "policies", "infra")
#: What an application that only uses the consumer must never load (the CLI's stack).
HEAVY = ("typer", "rich", "click", "re2", "jsonschema", "pathspec", "yaml", "pulumi", "pulumi_aws")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[_module_name(path)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, str, int]]:
    """``(module, name or "", line)`` for every import at any depth, outside TYPE_CHECKING:
    ``import a.b`` gives ``("a.b", "")``, ``from a import b`` gives ``("a", "b")``."""
    package = module if is_package else module.rpartition(".")[0]
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield base, alias.name, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def _graph() -> dict[str, dict[str, int]]:
    """Module -> {internal module it imports: line}. ``from X import Y`` is an edge to
    ``X.Y`` when that is a module, else to ``X`` (whose ``__init__`` defines ``Y``)."""
    sources = _sources()
    graph: dict[str, dict[str, int]] = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: dict[str, int] = {}
        for base, name, line in _imports(tree, module, path.name == "__init__.py"):
            target = f"{base}.{name}" if f"{base}.{name}" in sources else base
            if target in sources and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_import_graph_has_no_cycle_imports_inside_functions_included() -> None:
    graph = _graph()
    assert len(graph) > 100  # every module of the three packages was read
    cycles = _cycles(graph)
    detail = [
        " -> ".join(f"{m} (imports {[t for t in graph[m] if t in c]})" for m in c) for c in cycles
    ]
    assert cycles == [], "\n".join(detail)


def test_the_cycle_check_sees_a_cycle_made_by_an_import_inside_a_function() -> None:
    # The checker itself: a lazy import that closes a loop is a cycle.
    graph = {"a": {"b": 1}, "b": {"c": 3}, "c": {"a": 9}, "d": {"a": 1}}
    assert _cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import rotation.cli\n"
        "def f():\n    from rotation.engine import steps\n"
    )
    names = {(m, n) for m, n, _ in _imports(tree, "rotation.x", False)}
    assert ("rotation.engine", "steps") in names
    assert ("rotation.cli", "") not in names


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("rotation", ("infra", "pulumi", "pulumi_aws", "pulumi_policy")),
        ("policies", ("infra",)),
    ],
)
def test_the_import_direction_holds(package: str, forbidden: tuple[str, ...]) -> None:
    bad = []
    for module, path in _sources().items():
        if not module.startswith(package):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, _, line in _imports(tree, module, path.name == "__init__.py"):
            if name.split(".")[0] in forbidden:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_only_the_command_lines_import_the_cli_package() -> None:
    bad = []
    for module, targets in _graph().items():
        if module.startswith("rotation.cli") or module in (
            "policies.cli",
            "policies.console",
            "rotation.__main__",
        ):
            continue
        bad += [f"{module} -> {t}" for t in targets if t.startswith("rotation.cli")]
    assert bad == []


def test_no_module_is_over_400_lines() -> None:
    roots = [*(ROOT / p for p in PACKAGES), ROOT / "scripts", ROOT / "benchmarks"]
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for root in roots
        for path in root.rglob("*.py")
    }
    assert len(sizes) > 100
    assert {p: n for p, n in sizes.items() if n > 400} == {}


def _fresh(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()


@pytest.mark.parametrize("module", ["rotation", "rotation.contract", "rotation.consumer"])
def test_importing_the_light_modules_loads_nothing_heavy(module: str) -> None:
    loaded = json.loads(
        _fresh(
            f"import sys, json, {module}\n"
            f"print(json.dumps(sorted(m for m in {HEAVY!r} + ('httpx',) if m in sys.modules)))"
        )
    )
    assert loaded == []


def test_the_contract_imports_only_the_standard_library() -> None:
    out = json.loads(
        _fresh(
            "import sys, json\n"
            "before = set(sys.modules)\n"
            "import rotation.contract\n"
            "new = sorted(m.split('.')[0] for m in set(sys.modules) - before)\n"
            "std = sys.stdlib_module_names\n"
            "print(json.dumps(sorted({m for m in new if m not in std and m != 'rotation'})))"
        )
    )
    assert out == []


def test_the_consumer_works_where_the_cli_dependencies_are_not_installed() -> None:
    # A finder that refuses the CLI's dependencies, as a slim install (no [cli] extra) has
    # none of them: every public name of the consumer still loads, and no module of ours
    # asked for one (httpx probes for click for its own CLI: that is httpx's business).
    code = (
        "import sys, json, importlib.abc\n"
        f"HEAVY = {HEAVY!r}\n"
        f"OURS = {str(ROOT / 'rotation')!r}\n"
        "tried = []\n"
        "class Refuse(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in HEAVY:\n"
        "            f = sys._getframe(1)\n"
        "            while f and f.f_code.co_filename.startswith('<frozen'):\n"
        "                f = f.f_back\n"
        "            if f and f.f_code.co_filename.startswith(OURS):\n"
        "                tried.append(name)\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import rotation.consumer as c\n"
        "loaded = [getattr(c, n) for n in c.__all__]\n"
        "provider = c.KeyProvider('synap/app', client=object())\n"
        "print(json.dumps({'names': len(loaded), 'tried': tried}))"
    )
    out = json.loads(_fresh(code))
    assert out["names"] > 20
    assert out["tried"] == []


def test_the_slim_base_install_is_what_the_consumer_needs() -> None:
    # `pip install synap-keyops` gives an application httpx and boto3 only; the CLIs'
    # stack comes with the `cli` extra (make demo / make test install it).
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(reqs: list[str]) -> set[str]:
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in reqs}

    assert names(project["dependencies"]) == {"httpx", "boto3"}
    cli = names(project["optional-dependencies"]["cli"])
    assert {"typer", "rich", "pyyaml", "jsonschema", "pathspec", "google-re2"} <= cli
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-e '.[cli," in make
