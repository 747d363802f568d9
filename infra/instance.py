"""`SynapInstance`: the secrets, their rotation and the alarms of one Synap instance.

Per secret (the API key, and the webhook signing secret unless disabled): a Secrets
Manager secret encrypted with the project's key and *no initial value* (the first key is
made by the first rotation, started by `rotate_immediately`), optional replicas, the
resource-based permission for Secrets Manager to invoke the rotation Lambda, and the
`SecretRotation` created after that permission and the role's policy. Plus the instance's
own IAM policy on the shared role (its secrets, its consumers) and its alarms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.alarms import AlarmSpec, metric_alarm_args
from infra.config import InstanceConfig
from rotation.contract import INSTANCE_TAG, KIND_TAG, TIER_TAG

__all__ = ["SynapInstance", "SynapInstanceArgs"]


@dataclass
class SynapInstanceArgs:
    instance: InstanceConfig
    #: (secret name, kind), the API key first
    secrets: Sequence[tuple[str, str]]
    alarms: Sequence[AlarmSpec]
    alarm_prefix: str
    scope: pulumi.Output[iam.AwsScope]
    key_arn: pulumi.Input[str]
    replica_key_arns: Mapping[str, pulumi.Input[str]]
    topic_arn: pulumi.Input[str]
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]
    role_name: pulumi.Input[str]
    #: the role's shared policy: a rotation must not start before the Lambda may act
    service_policy: pulumi.Resource
    tags: Mapping[str, str] = field(default_factory=dict)


class SynapInstance(pulumi.ComponentResource):
    """One Synap instance's managed secrets, rotation and alarms."""

    secret_arns: dict[str, pulumi.Output[str]]
    summary: pulumi.Output[dict[str, object]]

    def __init__(
        self, name: str, args: SynapInstanceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("synap:keyops:SynapInstance", name, None, opts)
        inst = args.instance
        child = pulumi.ResourceOptions(parent=self)
        base_tags = {**args.tags, INSTANCE_TAG: inst.instance_id, TIER_TAG: str(inst.tier)}

        secrets = self._secrets(name, args, base_tags, child)
        self.secret_arns = {kind: s.arn for kind, s in secrets.items()}
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=args.role_name,
            policy=pulumi.Output.all(args.scope, *self.secret_arns.values()).apply(
                lambda a: json.dumps(
                    iam.instance_policy(a[0], secret_arns=a[1:], deployers=inst.deployers)
                )
            ),
            opts=child,
        )
        self._rotations(name, args, secrets, policy, child)
        for spec in args.alarms:
            aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=f"{args.alarm_prefix}-{spec.key}",
                tags=base_tags,
                **metric_alarm_args(spec, args.topic_arn),
                opts=child,
            )

        self.summary = pulumi.Output.all(*self.secret_arns.values()).apply(
            lambda arns: {
                "instance_id": inst.instance_id,
                "tier": inst.tier,
                "rotation_days": inst.rotation_days,
                "secrets": dict(zip(self.secret_arns, arns, strict=True)),
                "replica_regions": list(inst.replica_regions),
                "deployers": [d["type"] for d in inst.deployers],
                "alarms": len(args.alarms),
            }
        )
        self.register_outputs({"secret_arns": self.secret_arns, "summary": self.summary})

    def _secrets(
        self,
        name: str,
        args: SynapInstanceArgs,
        base_tags: dict[str, str],
        child: pulumi.ResourceOptions,
    ) -> dict[str, aws.secretsmanager.Secret]:
        """One empty secret per kind: the first rotation makes its first value."""
        inst = args.instance
        return {
            kind: aws.secretsmanager.Secret(
                f"{name}-{kind}",
                name=secret_name,
                description=f"Synap {kind} of {inst.instance_id}, rotated by synap-keyops",
                kms_key_id=args.key_arn,
                recovery_window_in_days=30,
                replicas=[
                    {"region": region, "kms_key_id": args.replica_key_arns[region]}
                    for region in inst.replica_regions
                ],
                tags={**base_tags, KIND_TAG: kind},
                opts=child,
            )
            for secret_name, kind in args.secrets
        }

    def _rotations(
        self,
        name: str,
        args: SynapInstanceArgs,
        secrets: Mapping[str, aws.secretsmanager.Secret],
        policy: aws.iam.RolePolicy,
        child: pulumi.ResourceOptions,
    ) -> None:
        for kind, secret in secrets.items():
            permission = aws.lambda_.Permission(
                f"{name}-{kind}-invoke",
                action="lambda:InvokeFunction",
                function=args.function_name,
                principal="secretsmanager.amazonaws.com",
                source_arn=secret.arn,
                opts=child,
            )
            # Secrets Manager checks that it may invoke the Lambda when rotation is enabled,
            # and rotate_immediately starts the first rotation right away: both need the
            # permission and the role's policies to exist first.
            aws.secretsmanager.SecretRotation(
                f"{name}-{kind}-rotation",
                secret_id=secret.id,
                rotation_lambda_arn=args.function_arn,
                rotation_rules={"automatically_after_days": args.instance.rotation_days},
                rotate_immediately=True,
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[permission, policy, args.service_policy]
                ),
            )
