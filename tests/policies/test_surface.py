"""The package's public surface, its exception tree, and what importing it loads."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import policies
from policies import exceptions


def test_exception_tree() -> None:
    errors = [getattr(exceptions, n) for n in exceptions.__all__]
    assert all(issubclass(e, exceptions.PolicyError) for e in errors)
    user_errors = {e.__name__ for e in errors if issubclass(e, exceptions.InputError)}
    assert user_errors == {
        "InputError",
        "StackExportError",
        "BaselineError",
        "DiffRangeError",
        "ConfigError",
    }
    assert exceptions.GitError.transient and not exceptions.InputError.transient
    assert set(policies.__all__) >= {e.__name__ for e in errors}


def test_importing_policies_loads_no_pulumi() -> None:
    code = (
        "import sys, policies, policies.cli, policies.rules.catalog;"
        "print(','.join(m for m in ('pulumi', 'pulumi_policy', 'pulumi_aws') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed `synap-policy` on a file with a key: exit 1, key never printed."""
    from rotation.keys import generate_key

    exe = shutil.which("synap-policy") or str(Path(sys.executable).with_name("synap-policy"))
    key = generate_key()
    target = tmp_path / "app.env"
    target.write_text(f"SYNAP_API_KEY={key}\n")
    out = subprocess.run([exe, "scan", str(target)], capture_output=True, text=True, check=False)
    assert out.returncode == 1 and "synap-api-key" in out.stdout
    assert key not in out.stdout + out.stderr
    help_out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=False)
    assert help_out.returncode == 0 and "scan" in help_out.stdout and "check" in help_out.stdout


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """Modules a file imports (outside ``if TYPE_CHECKING:``) and its in-function imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    nested = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(node)
    }
    names: set[str] = set()
    in_function: list[str] = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found = {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        else:
            continue
        names |= found
        if id(node) in nested:
            in_function += sorted(found)
    return names, in_function


def test_no_import_cycle_and_no_policies_import_inside_a_function() -> None:
    root = Path(policies.__file__).parent
    modules = {
        ".".join(p.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported, in_function = _imports(path)
        assert not [m for m in in_function if m.startswith("policies")], name
        graph[name] = {m for m in imported if m in modules and m != name}

    acyclic: set[str] = set()

    def cycle_from(name: str, trail: tuple[str, ...]) -> tuple[str, ...]:
        if name in trail:
            return (*trail[trail.index(name) :], name)
        if name not in acyclic:
            for target in sorted(graph[name]):
                if found := cycle_from(target, (*trail, name)):
                    return found
            acyclic.add(name)
        return ()

    assert [c for name in sorted(graph) if (c := cycle_from(name, ()))] == []
