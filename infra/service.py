"""`RotationService`: everything the Synap instances of a stack share.

The customer-managed KMS key (rotation on), the SNS alarm topic, the admin credential's
secret, the rotation Lambda (arm64, Python 3.12, DLQ, log group, reserved concurrency),
its least-privilege role, the EventBridge Scheduler group with its invoke role and the
daily sweep, the `RotationFailed` / `RotationAbandoned` event rule, the Lambda's alarms,
the dashboard and, with a VPC placement, the Secrets Manager interface endpoint.
The alerting children are built by `infra.monitoring`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import iam, monitoring
from infra.alarms import AlarmSpec
from infra.config import StackConfig
from infra.naming import function_name, lambda_environment, lambda_zip_path, resource_prefix
from rotation.contract import SWEEP_EVENT

__all__ = ["HANDLER", "RotationService", "RotationServiceArgs"]

HANDLER = "rotation.handler.lambda_handler"
RUNTIME = "python3.12"


@dataclass
class RotationServiceArgs:
    config: StackConfig
    stack: str
    #: partition, region, account (from get_partition, get_region, get_caller_identity)
    scope: pulumi.Output[iam.AwsScope]
    #: the `secure:` admin key, when no existing admin secret ARN is configured
    admin_key: pulumi.Output[str] | None = None
    #: (instance_id, alarm specs) for the dashboard
    instance_alarms: Sequence[tuple[str, Sequence[AlarmSpec]]] = ()
    replica_regions: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Site:
    """What every child of one service is named, tagged and parented after."""

    name: str
    cfg: StackConfig
    scope: pulumi.Output[iam.AwsScope]
    tags: dict[str, str]
    child: pulumi.ResourceOptions
    prefix: str
    fn_name: str
    group_name: str


@dataclass(frozen=True)
class _Plumbing:
    """The children the Lambda, its policy and its schedules refer to."""

    dlq: aws.sqs.Queue
    log_group: aws.cloudwatch.LogGroup
    group: aws.scheduler.ScheduleGroup
    scheduler_role: aws.iam.Role
    function_arn: pulumi.Output[str]


class RotationService(pulumi.ComponentResource):
    """The shared rotation service of one stack."""

    key_arn: pulumi.Output[str]
    replica_key_arns: dict[str, pulumi.Output[str]]
    topic_arn: pulumi.Output[str]
    admin_secret_arn: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: RotationServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("synap:keyops:RotationService", name, None, opts)
        prefix = resource_prefix(args.stack)
        site = _Site(
            name=name,
            cfg=args.config,
            scope=args.scope,
            tags=dict(args.tags),
            child=pulumi.ResourceOptions(parent=self),
            prefix=prefix,
            fn_name=function_name(args.stack),
            group_name=f"{prefix}-revokes",
        )
        # The order below is the order the resources are registered in (and appear in a plan).
        self._key(site, args.replica_regions)
        self.topic_arn = monitoring.alarm_topic(name, site.cfg, site.scope, site.tags, site.child)
        dlq, log_group = self._queue_and_logs(site)
        self._admin_secret(site, args.admin_key)
        plumbing = self._roles(site, dlq, log_group)
        self._function(site, plumbing)
        self._sweep(site, plumbing)
        monitoring.rotation_events(name, self.topic_arn, site.tags, site.child)
        self._secretsmanager_endpoint(site)
        self.dashboard_url = monitoring.service_alarms_and_dashboard(
            name,
            site.scope,
            prefix=prefix,
            function_name=site.fn_name,
            topic_arn=self.topic_arn,
            instance_alarms=args.instance_alarms,
            tags=site.tags,
            opts=site.child,
        )
        self.register_outputs(
            {
                "key_arn": self.key_arn,
                "topic_arn": self.topic_arn,
                "admin_secret_arn": self.admin_secret_arn,
                "function_arn": self.function_arn,
                "dashboard_url": self.dashboard_url,
            }
        )

    def _key(self, site: _Site, replica_regions: Sequence[str]) -> None:
        key = aws.kms.Key(
            f"{site.name}-key",
            description="synap-keyops: encrypts the Synap API-key, webhook and admin secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            # A multi-Region key lets replica secrets use the same key material elsewhere.
            multi_region=bool(replica_regions),
            policy=site.scope.apply(lambda s: json.dumps(iam.key_policy(s))),
            tags=site.tags,
            opts=site.child,
        )
        aws.kms.Alias(
            f"{site.name}-key-alias",
            name=f"alias/{site.prefix}",
            target_key_id=key.key_id,
            opts=site.child,
        )
        self.key_arn = key.arn
        self.replica_key_arns = {}
        for region in replica_regions:
            provider = aws.Provider(f"{site.name}-{region}", region=region, opts=site.child)
            replica = aws.kms.ReplicaKey(
                f"{site.name}-key-{region}",
                primary_key_arn=key.arn,
                description=f"synap-keyops replica key in {region}",
                deletion_window_in_days=30,
                tags=site.tags,
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            self.replica_key_arns[region] = replica.arn

    def _queue_and_logs(self, site: _Site) -> tuple[aws.sqs.Queue, aws.cloudwatch.LogGroup]:
        dlq = aws.sqs.Queue(
            f"{site.name}-dlq",
            name=f"{site.prefix}-rotation-dlq",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=14 * 86_400,
            tags=site.tags,
            opts=site.child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{site.name}-logs",
            name=f"/aws/lambda/{site.fn_name}",
            retention_in_days=site.cfg.log_retention_days,
            tags=site.tags,
            opts=site.child,
        )
        return dlq, log_group

    def _admin_secret(self, site: _Site, admin_key: pulumi.Output[str] | None) -> None:
        cfg = site.cfg
        if cfg.admin_secret_arn is not None:
            self.admin_secret_arn = pulumi.Output.from_input(cfg.admin_secret_arn)
            return
        if admin_key is None:
            raise ValueError("admin_key is required when no admin_secret_arn is configured")
        secret = aws.secretsmanager.Secret(
            f"{site.name}-admin",
            name=f"{cfg.secret_prefix}/admin",
            description="Synap admin credential used to create and revoke API keys",
            kms_key_id=self.key_arn,
            recovery_window_in_days=30,
            tags=site.tags,
            opts=site.child,
        )
        # Write-only: the provider never reads it back, so it is in no output; Pulumi keeps
        # the input encrypted as a secret. Bump admin_key_version to push a new value.
        aws.secretsmanager.SecretVersion(
            f"{site.name}-admin-value",
            secret_id=secret.id,
            # require_secret's secretness survives apply: the value stays a Pulumi secret.
            secret_string_wo=admin_key.apply(lambda v: json.dumps({"admin_key": v})),
            secret_string_wo_version=cfg.admin_key_version,
            opts=site.child,
        )
        self.admin_secret_arn = secret.arn

    def _roles(
        self, site: _Site, dlq: aws.sqs.Queue, log_group: aws.cloudwatch.LogGroup
    ) -> _Plumbing:
        """The Lambda's role and policy, the schedule group and the Scheduler's role."""
        name = site.name
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(iam.assume_role_policy("lambda.amazonaws.com")),
            description="synap-keyops rotation Lambda (least privilege, see infra/iam.py)",
            tags=site.tags,
            opts=site.child,
        )
        self.role_name = self.role.name
        group = aws.scheduler.ScheduleGroup(
            f"{name}-schedules", name=site.group_name, tags=site.tags, opts=site.child
        )
        function_arn = site.scope.apply(lambda s: s.arn("lambda", f"function:{site.fn_name}"))
        scheduler_role = aws.iam.Role(
            f"{name}-scheduler-role",
            assume_role_policy=site.scope.apply(
                lambda s: json.dumps(iam.assume_role_policy("scheduler.amazonaws.com", s.account))
            ),
            description="EventBridge Scheduler invokes the synap-keyops rotation Lambda",
            tags=site.tags,
            opts=site.child,
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler-invoke",
            role=scheduler_role.id,
            policy=pulumi.Output.all(function_arn, dlq.arn).apply(
                lambda a: json.dumps(iam.scheduler_invoke_policy(a[0], a[1]))
            ),
            opts=site.child,
        )
        self.service_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                site.scope,
                self.key_arn,
                log_group.arn,
                dlq.arn,
                self.admin_secret_arn,
                scheduler_role.arn,
            ).apply(
                lambda a: json.dumps(
                    iam.service_policy(
                        a[0],
                        key_arn=a[1],
                        log_group_arn=a[2],
                        dlq_arn=a[3],
                        admin_secret_arn=a[4],
                        schedule_group=site.group_name,
                        scheduler_role_arn=a[5],
                    )
                )
            ),
            opts=site.child,
        )
        return _Plumbing(dlq, log_group, group, scheduler_role, function_arn)

    def _vpc_config(self, site: _Site) -> aws.lambda_.FunctionVpcConfigArgs | None:
        vpc = site.cfg.vpc
        if vpc is None:
            return None
        # ENI management has no resource-level permissions; AWS's managed policy is the norm.
        aws.iam.RolePolicyAttachment(
            f"{site.name}-vpc-access",
            role=self.role.name,
            policy_arn=site.scope.apply(
                lambda s: (
                    f"arn:{s.partition}:iam::aws:policy/service-role/"
                    "AWSLambdaVPCAccessExecutionRole"
                )
            ),
            opts=site.child,
        )
        return aws.lambda_.FunctionVpcConfigArgs(
            subnet_ids=list(vpc.subnet_ids),
            security_group_ids=list(vpc.security_group_ids),
        )

    def _function(self, site: _Site, plumbing: _Plumbing) -> None:
        """The rotation Lambda and its asynchronous-invoke settings."""
        cfg, dlq, log_group = site.cfg, plumbing.dlq, plumbing.log_group
        vpc_config = self._vpc_config(site)
        environment = pulumi.Output.all(
            self.admin_secret_arn, plumbing.function_arn, plumbing.scheduler_role.arn
        ).apply(
            lambda a: lambda_environment(
                cfg,
                admin_secret_arn=a[0],
                function_arn=a[1],
                scheduler_role_arn=a[2],
                schedule_group=site.group_name,
            )
        )
        zip_path = lambda_zip_path(cfg)
        self.function = aws.lambda_.Function(
            f"{site.name}-function",
            name=site.fn_name,
            description="Rotates Synap API keys on the Secrets Manager rotation protocol",
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=["arm64"],
            handler=HANDLER,
            code=pulumi.FileArchive(zip_path),
            code_sha256=_file_sha256(zip_path),
            # finishSecret waits for ECS deployments to stabilise: give it Lambda's maximum.
            timeout=cfg.lambda_timeout_seconds,
            memory_size=cfg.lambda_memory_mb,
            reserved_concurrent_executions=cfg.reserved_concurrency,
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            vpc_config=vpc_config,
            tags=site.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, self.service_policy]),
        )
        self.function_arn = self.function.arn
        aws.lambda_.FunctionEventInvokeConfig(
            f"{site.name}-async",
            function_name=self.function.name,
            maximum_retry_attempts=2,
            maximum_event_age_in_seconds=6 * 3600,
            destination_config={"on_failure": {"destination": dlq.arn}},
            opts=site.child,
        )

    def _sweep(self, site: _Site, plumbing: _Plumbing) -> None:
        aws.scheduler.Schedule(
            f"{site.name}-sweep",
            name=f"{site.prefix}-sweep",
            group_name=plumbing.group.name,
            description="Daily sweep: revoke expired unused Synap keys, report rotation age",
            schedule_expression=site.cfg.sweep_schedule,
            schedule_expression_timezone="UTC",
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": self.function.arn,
                "role_arn": plumbing.scheduler_role.arn,
                "input": json.dumps(SWEEP_EVENT),
                "dead_letter_config": {"arn": plumbing.dlq.arn},
                "retry_policy": {"maximum_retry_attempts": 3},
            },
            opts=site.child,
        )

    def _secretsmanager_endpoint(self, site: _Site) -> None:
        vpc = site.cfg.vpc
        if vpc is None or not vpc.create_endpoint:
            return
        # Without this endpoint a rotation Lambda in a private subnet cannot reach
        # Secrets Manager and times out silently at every step.
        aws.ec2.VpcEndpoint(
            f"{site.name}-secretsmanager-endpoint",
            vpc_id=vpc.vpc_id,
            service_name=site.scope.apply(lambda s: f"com.amazonaws.{s.region}.secretsmanager"),
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=list(vpc.subnet_ids),
            security_group_ids=list(vpc.security_group_ids),
            tags=site.tags,
            opts=site.child,
        )


def _file_sha256(path: str) -> str | None:
    """Base64 SHA-256 Lambda compares to decide on a code update; None if not built yet."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return base64.b64encode(hashlib.sha256(fh.read()).digest()).decode()
