"""Secrets made at test time (no key-shaped literal lives in the repository) and stacks."""

from __future__ import annotations

import base64
import copy
import json
import secrets
import string
import subprocess
from pathlib import Path
from typing import Any

from rotation.keys import generate_key

__all__ = [
    "aws_key_id",
    "aws_secret_key",
    "broken_export",
    "clean_export",
    "generate_key",
    "git",
    "hex64",
    "private_key_block",
    "token",
]

_UPPER_DIGITS = string.ascii_uppercase + string.digits
_B64 = string.ascii_letters + string.digits + "+/"
_B62 = string.ascii_letters + string.digits


def aws_key_id() -> str:
    return "AKIA" + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16))


def aws_secret_key() -> str:
    return "".join(secrets.choice(_B64) for _ in range(40))


def hex64() -> str:
    return secrets.token_hex(32)


def token(n: int = 32) -> str:
    while True:
        value = "".join(secrets.choice(_B62) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def private_key_block(kind: str = "RSA ") -> str:
    body = base64.b64encode(secrets.token_bytes(96)).decode()
    begin, end = f"-----BEGIN {kind}PRIVATE KEY-----", f"-----END {kind}PRIVATE KEY-----"
    return f"{begin}\n{body[:64]}\n{body[64:]}\n{end}"


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return out.stdout


# -- stacks ------------------------------------------------------------------------------

P = "urn:pulumi:test::synap-keyops::"
ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADMIN_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:synap/admin-x"
LAMBDA_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:rotation"
LATENCY = [
    ("memories.create", "fast"),
    ("context.fetch", "fast"),
    ("context.fetch", "accurate"),
    ("memories.batch_create", "default"),
]


def _res(rtype: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    res = {"urn": f"{P}{rtype}::{name}", "type": rtype, "custom": True, "inputs": inputs}
    res["outputs"] = copy.deepcopy(inputs)
    res.update(extra)
    return res


def _alarm(
    name: str, namespace: str, metric: str, dims: dict[str, str], **kw: Any
) -> dict[str, Any]:
    inputs = {
        "namespace": namespace,
        "metricName": metric,
        "dimensions": dims,
        "statistic": "Sum",
        "threshold": 1.0,
        "alarmActions": [TOPIC],
        **kw,
    }
    return _res("aws:cloudwatch/metricAlarm:MetricAlarm", name, inputs)


def clean_export() -> dict[str, Any]:
    """A small stack that follows the whole checklist: one high-security instance."""
    arn = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:synap/inst_a/api-key-AbCdEf"
    secret = _res(
        "aws:secretsmanager/secret:Secret",
        "inst_a-api-key",
        {
            "name": "synap/inst_a/api-key",
            "kmsKeyId": KEY_ARN,
            "tags": {"synap:tier": "high-security", "synap:instance": "inst_a"},
        },
        id=arn,
    )
    secret["outputs"]["arn"] = arn
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
                "Resource": [arn],
            },
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY_ARN]},
            {"Effect": "Allow", "Action": ["secretsmanager:GetRandomPassword"], "Resource": "*"},
        ],
    }
    dims = {"Instance": "inst_a"}
    resources = [
        _res("pulumi:pulumi:Stack", "synap-keyops-test", {}, custom=False),
        _res("aws:kms/key:Key", "key", {"enableKeyRotation": True}),
        _res("aws:sns/topic:Topic", "alarms", {"name": "alarms"}),
        secret,
        _res(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "inst_a-rotation",
            {
                "secretId": arn,
                "rotationLambdaArn": LAMBDA_ARN,
                "rotationRules": {"automaticallyAfterDays": 30.0},
            },
        ),
        _res(
            "aws:lambda/function:Function",
            "rotation",
            {
                "environment": {
                    "variables": {
                        "SYNAP_ADMIN_SECRET_ID": ADMIN_ARN,
                        "SYNAP_GRACE_SECONDS": "172800",
                        "SYNAP_API_URL": "https://api.maximem.ai",
                    }
                }
            },
        ),
        _res(
            "aws:iam/rolePolicy:RolePolicy",
            "rotation-policy",
            {"policy": json.dumps(policy), "role": "rotation-role"},
        ),
        _alarm("lambda-errors", "AWS/Lambda", "Errors", {"FunctionName": "rotation"}),
        _alarm(
            "overdue",
            "Synap/Rotation",
            "DaysSinceLastRotation",
            {"SecretId": "synap/inst_a/api-key"},
        ),
        _alarm(
            "revoke-failed", "Synap/Rotation", "RevokeFailed", {"SecretId": "synap/inst_a/api-key"}
        ),
        _alarm("auth", "Synap/Client", "AuthFailures", dims),
        _alarm("rate", "Synap/Client", "RateLimited", dims),
        _alarm("zero", "Synap/Client", "ZeroResults", dims),
        _res(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "error-rate",
            {
                "alarmActions": [TOPIC],
                "threshold": 1.0,
                "metricQueries": [
                    {
                        "id": "e",
                        "metric": {
                            "namespace": "Synap/Client",
                            "metricName": "Errors",
                            "dimensions": dims,
                            "stat": "Sum",
                        },
                    },
                    {
                        "id": "r",
                        "metric": {
                            "namespace": "Synap/Client",
                            "metricName": "Requests",
                            "dimensions": dims,
                            "stat": "Sum",
                        },
                    },
                    {"id": "result", "expression": "100 * e / r", "returnData": True},
                ],
            },
        ),
    ]
    for op, mode in LATENCY:
        resources.append(
            _alarm(
                f"latency-{op}-{mode}",
                "Synap/Client",
                "Latency",
                {**dims, "Operation": op, "Mode": mode},
                extendedStatistic="p95",
                statistic=None,
            )
        )
    return {"version": 3, "deployment": {"resources": resources}}


def _find(export: dict[str, Any], name: str) -> dict[str, Any]:
    for res in export["deployment"]["resources"]:
        if res["urn"].endswith(f"::{name}"):
            found: dict[str, Any] = res
            return found
    raise KeyError(name)


def broken_export() -> tuple[dict[str, Any], dict[str, str]]:
    """The clean stack with one deliberate violation per resource rule.

    Returns the export and, per rule id, a fragment its message must contain.
    """
    export = clean_export()
    key = generate_key()
    fn = _find(export, "rotation")
    fn["inputs"]["environment"]["variables"]["SYNAP_API_KEY"] = key
    fn["inputs"]["environment"]["variables"]["SYNAP_GRACE_SECONDS"] = "3600"
    _find(export, "inst_a-api-key")["inputs"]["kmsKeyId"] = "alias/aws/secretsmanager"
    _find(export, "inst_a-rotation")["inputs"]["rotationRules"]["automaticallyAfterDays"] = 90.0
    policy = json.loads(_find(export, "rotation-policy")["inputs"]["policy"])
    policy["Statement"].append({"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"})
    _find(export, "rotation-policy")["inputs"]["policy"] = json.dumps(policy)
    export["deployment"]["resources"] = [
        r for r in export["deployment"]["resources"] if not r["urn"].endswith("::auth")
    ]
    _find(export, "zero")["inputs"]["alarmActions"] = []
    for res in export["deployment"]["resources"]:  # outputs follow inputs, as after an update
        res["outputs"] = {**res["outputs"], **copy.deepcopy(res["inputs"])}
    return export, {
        "no-key-in-resource-inputs": "environment.variables.SYNAP_API_KEY",
        "revoke-grace-period": "SYNAP_GRACE_SECONDS=3600",
        "secret-customer-managed-kms": "alias/aws/secretsmanager",
        "secret-rotation-enabled": "every 90 days; the limit is 30",
        "rotation-iam-no-wildcards": "secretsmanager:*",
        "monitoring-alarms": "AuthFailures",
    }
