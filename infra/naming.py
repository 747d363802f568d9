"""Names derived from the stack config (pure): secrets, the Lambda, its environment.

Names are fixed rather than auto-named because the engine, the alarms and IAM all refer
to them before the resources exist (the Lambda's own ARN is one of its env variables).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from infra.config import InstanceConfig, StackConfig
from rotation.contract import ENV, SECRET_KINDS

__all__ = [
    "deployers_map",
    "function_name",
    "instance_secrets",
    "lambda_environment",
    "lambda_zip_path",
    "resource_prefix",
]

API_KEY, WEBHOOK = SECRET_KINDS
REPO_ROOT = Path(__file__).resolve().parent.parent


def lambda_zip_path(config: StackConfig) -> str:
    """The Lambda zip, relative to the working directory when it is inside it.

    `lambda_zip` is relative to the repository root; a relative archive path keeps the
    Lambda's `code` input the same on every machine, so Pulumi shows no spurious diff.
    """
    path = Path(config.lambda_zip)
    if not path.is_absolute():
        path = REPO_ROOT / path
    with contextlib.suppress(ValueError):
        return path.relative_to(Path.cwd()).as_posix()
    return str(path)


def resource_prefix(stack: str) -> str:
    """Prefix of the fixed AWS names of a stack's shared resources."""
    return f"synap-keyops-{stack}"[:40]


def function_name(stack: str) -> str:
    return f"{resource_prefix(stack)}-rotation"


def instance_secrets(config: StackConfig, instance: InstanceConfig) -> list[tuple[str, str]]:
    """(secret name, kind) of every secret an instance has, the API key first."""
    base = f"{config.secret_prefix}/{instance.instance_id}"
    secrets = [(f"{base}/{API_KEY}", API_KEY)]
    if instance.webhook_secret:
        secrets.append((f"{base}/{WEBHOOK}", WEBHOOK))
    return secrets


def deployers_map(config: StackConfig) -> dict[str, list[dict[str, Any]]]:
    """`SYNAP_DEPLOYERS`: secret name -> the consumers to redeploy when it rotates."""
    out: dict[str, list[dict[str, Any]]] = {}
    for instance in config.instances:
        for name, _kind in instance_secrets(config, instance):
            out[name] = [dict(d) for d in instance.deployers]
    return out


def lambda_environment(
    config: StackConfig,
    *,
    admin_secret_arn: str,
    function_arn: str,
    scheduler_role_arn: str,
    schedule_group: str,
) -> dict[str, str]:
    """The rotation Lambda's environment: identifiers only, never a secret value."""
    return {
        ENV.api_url: config.api_url,
        ENV.admin_secret_id: admin_secret_arn,
        ENV.grace_seconds: str(config.grace_seconds),
        ENV.deployers: json.dumps(deployers_map(config), sort_keys=True, separators=(",", ":")),
        ENV.revoke_target_arn: function_arn,
        ENV.scheduler_role_arn: scheduler_role_arn,
        ENV.schedule_group: schedule_group,
    }
