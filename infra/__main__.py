"""Pulumi entry point (`main: infra/` in Pulumi.yaml): read config, assemble components."""

from __future__ import annotations

import os
import sys

import pulumi

# `pulumi up` runs this file as a script; make the repository importable when the project
# is not pip-installed (it is, editable, in .venv).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from infra.exceptions import InfraError
from infra.program import run

try:
    run()
except InfraError as exc:
    # RunError: Pulumi prints the one-line message without a stack trace.
    raise pulumi.RunError(str(exc)) from None
