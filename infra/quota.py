"""IAM's inline-policy quota on the shared rotation role, checked before anything is created.

IAM allows 10,240 characters of inline policy per role (whitespace not counted). Each
instance adds one policy whose size depends on its secret names and consumers, so the
limit is computed, not guessed: the documents are built with stand-in ARNs of the real
length (a secret ARN's random suffix is always 6 characters).
"""

from __future__ import annotations

import json

from infra.config import PROJECT, StackConfig
from infra.exceptions import ConfigError
from infra.iam import AwsScope, instance_policy, service_policy
from infra.naming import instance_secrets, resource_prefix

__all__ = ["INLINE_POLICY_QUOTA", "check_policy_quota", "inline_policy_chars"]

INLINE_POLICY_QUOTA = 10_240


def _chars(document: object) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def inline_policy_chars(cfg: StackConfig, stack: str, region: str) -> int:
    """Characters of all inline policies the program puts on the rotation role."""
    # "aws-us-gov" is the longest partition name: the estimate never undercounts.
    scope = AwsScope("aws-us-gov", region, "123456789012")
    prefix = resource_prefix(stack)
    total = _chars(
        service_policy(
            scope,
            key_arn=scope.arn("kms", "key/mrk-" + "0" * 32),
            log_group_arn=scope.arn("logs", f"log-group:/aws/lambda/{prefix}-rotation"),
            dlq_arn=scope.arn("sqs", f"{prefix}-rotation-dlq"),
            admin_secret_arn=cfg.admin_secret_arn
            or scope.arn("secretsmanager", f"secret:{cfg.secret_prefix}/admin-AbCdEf"),
            schedule_group=f"{prefix}-revokes",
            scheduler_role_arn=f"arn:{scope.partition}:iam::{scope.account}:role/" + "r" * 64,
        )
    )
    for inst in cfg.instances:
        arns = [
            scope.arn("secretsmanager", f"secret:{name}-AbCdEf")
            for name, _ in instance_secrets(cfg, inst)
        ]
        total += _chars(instance_policy(scope, secret_arns=arns, deployers=inst.deployers))
    return total


def check_policy_quota(cfg: StackConfig, stack: str, region: str) -> None:
    """Raise `ConfigError` when the instances' policies would not fit on one role."""
    used = inline_policy_chars(cfg, stack, region)
    if used > INLINE_POLICY_QUOTA:
        raise ConfigError(
            f"{PROJECT}:instances",
            f"{len(cfg.instances)} instances need {used} characters of IAM policy on the "
            f"rotation role, over IAM's {INLINE_POLICY_QUOTA}: split them across stacks",
        )
