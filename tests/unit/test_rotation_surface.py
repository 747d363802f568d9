"""The engine's public surface resolves, its errors form one tree, its Lambda import is light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from rotation.engine import exceptions as engine_errors
from rotation.exceptions import SynapError

MODULES = [
    "rotation.config",
    "rotation.handler",
    "rotation.deployers",
    "rotation.engine.aws",
    "rotation.engine.decide",
    "rotation.engine.driver",
    "rotation.engine.engine",
    "rotation.engine.exceptions",
    "rotation.engine.logs",
    "rotation.engine.operations",
    "rotation.engine.report",
    "rotation.engine.revoke",
    "rotation.engine.strategy",
    "rotation.engine.values",
]


@pytest.mark.parametrize("module", MODULES)
def test_all_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_engine_errors_are_one_tree_under_synap_error() -> None:
    errors = [getattr(engine_errors, n) for n in engine_errors.__all__]
    assert all(issubclass(cls, engine_errors.RotationError) for cls in errors)
    assert issubclass(engine_errors.RotationError, SynapError)
    assert engine_errors.DeployError.transient
    assert not engine_errors.StepError.transient
    assert engine_errors.AwsError("x", transient=True).transient


def test_the_lambda_entry_point_imports_light() -> None:
    code = (
        "import sys, rotation.handler\n"
        "names = ('pulumi', 'typer', 'rich', 'boto3', 'jsonschema')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out in ("", "rich"), out  # httpx may import rich when it is installed
