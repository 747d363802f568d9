"""IAM policy documents of the rotation service, as plain dicts (pure, no Pulumi).

Least privilege: Secrets Manager actions only on the managed secrets' ARNs, KMS only on
the project's key, Scheduler only on its group, ECS and Lambda deploy actions only on the
configured consumers. The only `"Resource": "*"` statements are for actions AWS does not
scope to a resource (CloudWatch metrics, VPC network interfaces), each narrowed by a
condition where AWS offers one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rotation.contract import ROTATION_NAMESPACE

__all__ = [
    "AwsScope",
    "assume_role_policy",
    "instance_policy",
    "key_policy",
    "scheduler_invoke_policy",
    "secret_arn_pattern",
    "service_policy",
]

Policy = dict[str, Any]

#: What the rotation engine does to the secrets it manages (rotation protocol + status).
SECRET_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
)
#: List calls AWS cannot scope to a resource: they return names and metadata, never values.
DISCOVERY_ACTIONS = ("secretsmanager:ListSecrets", "scheduler:ListSchedules")
KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
SCHEDULER_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:GetSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
)


@dataclass(frozen=True)
class AwsScope:
    """Partition, region and account the ARNs are built in."""

    partition: str
    region: str
    account: str

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        return f"arn:{self.partition}:{service}:{where}:{self.account}:{resource}"


def _statement(sid: str, actions: Sequence[str], resources: Sequence[str], **extra: Any) -> Policy:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": sorted(set(resources)),
        **extra,
    }


def _document(*statements: Policy) -> Policy:
    return {"Version": "2012-10-17", "Statement": [s for s in statements if s["Resource"]]}


def assume_role_policy(service: str, source_account: str | None = None) -> Policy:
    """Trust policy letting one AWS service principal assume a role (confused-deputy guarded)."""
    statement: Policy = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def secret_arn_pattern(scope: AwsScope, name_or_arn: str) -> str:
    """The ARN of a secret given by name; Secrets Manager appends a 6-character suffix."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return scope.arn("secretsmanager", f"secret:{name_or_arn}-??????")


def service_policy(
    scope: AwsScope,
    *,
    key_arn: str,
    log_group_arn: str,
    dlq_arn: str,
    admin_secret_arn: str,
    schedule_group: str,
    scheduler_role_arn: str,
) -> Policy:
    """Shared permissions of the rotation Lambda: logs, key, admin secret, revoke schedules."""
    return _document(
        _statement(
            "Logs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [log_group_arn, f"{log_group_arn}:*"],
        ),
        _statement("ProjectKey", KMS_ACTIONS, [key_arn]),
        _statement(
            "AdminCredential",
            ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            [admin_secret_arn],
        ),
        _statement(
            "RevokeSchedules",
            SCHEDULER_ACTIONS,
            [scope.arn("scheduler", f"schedule/{schedule_group}/*")],
        ),
        _statement(
            "PassSchedulerRole",
            ["iam:PassRole"],
            [scheduler_role_arn],
            Condition={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        ),
        _statement("DeadLetters", ["sqs:SendMessage"], [dlq_arn]),
        # PutMetricData has no resource-level permission; the namespace condition is the scope.
        _statement(
            "RotationMetrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            Condition={"StringEquals": {"cloudwatch:namespace": ROTATION_NAMESPACE}},
        ),
        # The sweep and `status` find managed secrets by tag and pending revokes by name.
        _statement("Discovery", DISCOVERY_ACTIONS, ["*"]),
    )


def instance_policy(
    scope: AwsScope,
    *,
    secret_arns: Sequence[str],
    deployers: Sequence[Mapping[str, Any]],
) -> Policy:
    """Per-instance permissions: its own secrets and the consumers its deployers touch."""
    ecs_services: list[str] = []
    functions: list[str] = []
    signing_secrets: list[str] = []
    for deployer in deployers:
        kind = deployer["type"]
        if kind == "ecs":
            cluster = str(deployer["cluster"]).rsplit("/", 1)[-1]
            ecs_services += [
                scope.arn("ecs", f"service/{cluster}/{service}") for service in deployer["services"]
            ]
        elif kind == "lambda":
            functions += [
                f if f.startswith("arn:") else scope.arn("lambda", f"function:{f}")
                for f in deployer["functions"]
            ]
        elif kind == "http":
            signing_secrets.append(secret_arn_pattern(scope, deployer["signing_secret_id"]))
    return _document(
        _statement("ManagedSecrets", SECRET_ACTIONS, secret_arns),
        _statement("DeployEcs", ["ecs:UpdateService", "ecs:DescribeServices"], ecs_services),
        _statement(
            "DeployLambda",
            ["lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"],
            functions,
        ),
        _statement("DeployHookSigning", ["secretsmanager:GetSecretValue"], signing_secrets),
    )


def scheduler_invoke_policy(function_arn: str, dlq_arn: str) -> Policy:
    """What EventBridge Scheduler may do with its role: invoke the rotation Lambda only."""
    return _document(
        _statement("InvokeRotation", ["lambda:InvokeFunction"], [function_arn]),
        _statement("DeadLetters", ["sqs:SendMessage"], [dlq_arn]),
    )


def key_policy(scope: AwsScope) -> Policy:
    """The KMS key policy: the account administers the key, roles use it through IAM."""
    root = f"arn:{scope.partition}:iam::{scope.account}:root"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # Delegates to IAM: roles get key access only through their own policies.
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
