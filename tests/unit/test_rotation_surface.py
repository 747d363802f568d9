"""The engine's public surface resolves, its errors form one tree, its Lambda import is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rotation.engine import exceptions as engine_errors
from rotation.exceptions import SynapError


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


def test_the_lambda_knows_the_webhook_secret_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an engine registry without the webhook kind
    from rotation.engine import strategy
    from rotation.engine.exceptions import StepError
    from rotation.handler import lambda_handler

    monkeypatch.setattr(strategy, "_REGISTRY", {"api-key": strategy.SynapApiKeyStrategy})
    monkeypatch.setenv("SYNAP_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SYNAP_ADMIN_SECRET_ID", "synap/admin")
    # WHEN the Lambda handles any event
    with pytest.raises(StepError):
        lambda_handler({"action": "nope"}, None)
    # THEN secrets tagged synap:kind=webhook-secret have their strategy
    assert "webhook-secret" in strategy.registered()


def test_every_error_log_in_rotation_carries_a_correlation_id() -> None:
    # The project passes its own checklist rule (support tickets quote the error's id).
    from pathlib import Path

    from policies.rules.practices import check_correlation_logging

    root = Path(__file__).resolve().parents[2] / "rotation"
    files = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))]
    result = check_correlation_logging(files)
    assert result.ok, result.violation
