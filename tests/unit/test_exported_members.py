"""The public surface of each package is what its __all__ says, and it all resolves."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import rotation
from rotation import exceptions


def _modules() -> list[str]:
    # Every module of the three packages; __main__ modules run things (the CLI, the Pulumi
    # program, the policy pack's gRPC server) and are left out.
    found = []
    for package in ("rotation", "policies", "infra"):
        root = importlib.import_module(package)
        found.append(package)
        found += [
            m.name
            for m in pkgutil.walk_packages(root.__path__, f"{package}.")
            if not m.name.endswith("__main__")
        ]
    return sorted(found)


@pytest.mark.parametrize("module", _modules())
def test_every_module_states_its_public_names_and_they_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), list | tuple), f"{module} has no __all__"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_every_synap_error_has_a_transient_flag() -> None:
    errors = [
        cls
        for n in exceptions.__all__
        if isinstance(cls := getattr(exceptions, n), type)
        and issubclass(cls, exceptions.SynapError)
        and cls is not exceptions.SynapError
    ]
    assert len(errors) == 7
    for cls in errors:
        assert isinstance(cls.transient, bool)
    transient = {c.__name__ for c in errors if c.transient}
    assert transient == {
        "NetworkTimeoutError",
        "NetworkError",
        "RateLimitError",
        "ServiceUnavailableError",
    }
    assert set(rotation.__all__) >= {c.__name__ for c in errors}


def test_importing_rotation_pulls_no_cli_or_pulumi() -> None:
    # rich is left out of this check: httpx imports it for its own CLI when it is
    # installed; the Lambda zip does not ship rich, so there it is never loaded.
    code = (
        "import sys, rotation, rotation.synap_client;"
        "bad = [m for m in ('pulumi', 'typer', 'pulumi_aws') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
