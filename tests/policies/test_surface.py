"""The package's public surface, its exception tree, and what importing it loads."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import policies
from policies import exceptions


@pytest.mark.parametrize(
    "module",
    ["policies", "policies.rules", "policies.exceptions", "policies.scanner", "policies.output"],
)
def test_all_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


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
        "import sys, policies, policies.cli, policies.rules.resources;"
        "print(','.join(m for m in ('pulumi', 'pulumi_policy', 'pulumi_aws') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
