"""The checklist package's public surface and exception tree."""

from __future__ import annotations

import subprocess
import sys

from policies.checklist import exceptions
from policies.exceptions import InputError


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
