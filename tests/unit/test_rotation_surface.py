"""The engine's public surface resolves, its errors form one tree, its Lambda import is light."""

from __future__ import annotations

import subprocess
import sys

from rotation import exceptions as errors


def test_errors_are_one_tree_with_synap_aws_and_engine_apart() -> None:
    classes = [getattr(errors, n) for n in errors.__all__ if n.endswith("Error")]
    assert all(issubclass(cls, errors.KeyOpsError) for cls in classes)
    # An AWS failure is not a Synap failure, and an engine error is neither.
    assert not issubclass(errors.AwsError, errors.SynapError)
    assert not issubclass(errors.AwsError, errors.RotationError)
    assert not issubclass(errors.RotationError, errors.SynapError)
    assert not issubclass(errors.SynapError, errors.RotationError)
    # "the key still authenticates after its revoke" is the engine's, not a 429.
    assert issubclass(errors.RevokeUnconfirmedError, errors.RotationError)
    assert not issubclass(errors.RevokeUnconfirmedError, errors.RateLimitError)
    assert errors.RevokeUnconfirmedError("x").transient
    assert errors.DeployError.transient
    assert not errors.StepError.transient
    assert errors.AwsError("x", transient=True).transient
    assert not errors.AwsError("x").transient


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


def test_the_engine_knows_every_secret_kind_of_the_contract() -> None:
    # The Lambda and the CLI need no registration step: both kinds are built in.
    from rotation.contract import SECRET_KINDS
    from rotation.engine.strategies.registry import registered

    assert set(registered()) == set(SECRET_KINDS)


def test_every_error_log_in_rotation_carries_a_correlation_id() -> None:
    # The project passes its own checklist rule (support tickets quote the error's id).
    from pathlib import Path

    from policies.rules.practices import check_correlation_logging

    root = Path(__file__).resolve().parents[2] / "rotation"
    files = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))]
    result = check_correlation_logging(files)
    assert result.ok, result.violation
