"""The package's public surface, its exception tree, and what importing it loads."""

from __future__ import annotations

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
