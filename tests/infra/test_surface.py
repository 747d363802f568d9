"""The infra package's public names, and the config path `pulumi up` takes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from infra.exceptions import ConfigError, InfraError, PackageError
from tests.infra.conftest import ROOT


def test_errors_are_one_permanent_tree() -> None:
    for cls in (ConfigError, PackageError):
        assert issubclass(cls, InfraError) and cls.transient is False
    assert str(ConfigError("synap-keyops:x", "bad")) == "synap-keyops:x: bad"


def test_importing_infra_pulls_no_pulumi() -> None:
    code = "import sys, infra, infra.config; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pulumi_up_reads_the_runtime_config_and_needs_the_zip(tmp_path: Path) -> None:
    from infra import program

    # GIVEN the config as the Pulumi engine hands it over (structured values as JSON)
    pulumi.runtime.set_all_config(
        {
            "synap-keyops:admin_key": "ciphertext",
            "synap-keyops:instances": '[{"instance_id": "a", "tier": "high-security"}]',
            "synap-keyops:lambda_zip": str(tmp_path / "missing.zip"),
        },
        ["synap-keyops:admin_key"],
    )
    try:
        cfg = program.read_config()
        assert cfg.instances[0].rotation_days == 30
        # WHEN the zip was never built THEN the run stops with the fix in one line
        with pytest.raises(PackageError, match="run `make package` before pulumi up"):
            program.run()
        # AND a plaintext admin key is refused
        pulumi.runtime.set_all_config(
            {"synap-keyops:admin_key": "x", "synap-keyops:instances": "[]"}, []
        )
        with pytest.raises(ConfigError, match="must be a secure value"):
            program.read_config()
    finally:
        pulumi.runtime.set_all_config({}, [])


def test_main_turns_infra_errors_into_a_run_error() -> None:
    import runpy

    pulumi.runtime.set_all_config({"synap-keyops:instances": '[{"instance_id": "a"}]'}, [])
    try:
        # RunError: Pulumi shows the message without a stack trace
        with pytest.raises(pulumi.RunError, match=r"^synap-keyops:admin_key: set exactly one of"):
            runpy.run_path(str(ROOT / "infra" / "__main__.py"), run_name="__main__")
    finally:
        pulumi.runtime.set_all_config({}, [])
