"""The checklist package's public surface and exception tree."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from policies.checklist import exceptions
from policies.exceptions import InputError


@pytest.mark.parametrize(
    "module",
    [
        "policies.checklist",
        "policies.checklist.items",
        "policies.checklist.attestations",
        "policies.checklist.evaluate",
        "policies.checklist.report",
        "policies.checklist.render",
        "policies.checklist.sources",
        "policies.checklist.command",
        "policies.rules.practices",
    ],
)
def test_all_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_exception_tree_maps_to_exit_2() -> None:
    errors = [getattr(exceptions, n) for n in exceptions.__all__]
    assert all(issubclass(e, InputError) and not e.transient for e in errors)
    assert issubclass(exceptions.AttestationError, exceptions.ChecklistError)


def test_importing_the_checklist_loads_no_pulumi() -> None:
    code = (
        "import sys, policies.checklist, policies.checklist.command;"
        "print(','.join(m for m in ('pulumi', 'pulumi_policy', 'pulumi_aws', 'infra')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
