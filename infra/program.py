"""Assemble the stack: one `RotationService`, one `SynapInstance` per configured instance.

`run()` is what `infra/__main__.py` calls under `pulumi up`; `infra.plan` calls it under
the project's mocks. It reads config and wires components, nothing else.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.alarms import instance_alarms
from infra.config import PROJECT, StackConfig, parse_stack_config
from infra.exceptions import PackageError
from infra.iam import AwsScope
from infra.instance import SynapInstance, SynapInstanceArgs
from infra.naming import instance_secrets, lambda_zip_path, resource_prefix
from infra.quota import check_policy_quota
from infra.service import RotationService, RotationServiceArgs

__all__ = ["deploy", "read_config", "run"]


def read_config() -> StackConfig:
    """The validated stack config of the running Pulumi program."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = frozenset(runtime_config.get_config_secret_keys_env()) | frozenset(
        k for k in raw if runtime_config.is_config_secret(k)
    )
    return parse_stack_config(raw, secret_keys)


def _scope() -> pulumi.Output[AwsScope]:
    partition = aws.get_partition_output()
    region = aws.get_region_output()
    identity = aws.get_caller_identity_output()
    return pulumi.Output.all(partition.partition, region.region, identity.account_id).apply(
        lambda a: AwsScope(partition=a[0], region=a[1], account=a[2])
    )


def deploy(cfg: StackConfig, stack: str) -> dict[str, Any]:
    """Create every resource for `cfg`; returns the stack outputs (also exported)."""
    scope = _scope()
    tags = {"project": PROJECT, "stack": stack, **cfg.tags}
    admin_key = None
    if cfg.uses_admin_key:
        admin_key = pulumi.Config(PROJECT).require_secret("admin_key")
    per_instance = [(inst, instance_secrets(cfg, inst)) for inst in cfg.instances]
    specs = {inst.instance_id: instance_alarms(inst, secrets) for inst, secrets in per_instance}
    service = RotationService(
        "rotation",
        RotationServiceArgs(
            config=cfg,
            stack=stack,
            scope=scope,
            admin_key=admin_key,
            instance_alarms=list(specs.items()),
            replica_regions=sorted({r for inst in cfg.instances for r in inst.replica_regions}),
            tags=tags,
        ),
    )
    summaries: dict[str, Any] = {}
    secret_arns: dict[str, Any] = {}
    for inst, secrets in per_instance:
        component = SynapInstance(
            inst.instance_id,
            SynapInstanceArgs(
                instance=inst,
                secrets=secrets,
                alarms=specs[inst.instance_id],
                alarm_prefix=f"{resource_prefix(stack)}-{inst.instance_id}",
                scope=scope,
                key_arn=service.key_arn,
                replica_key_arns=service.replica_key_arns,
                topic_arn=service.topic_arn,
                function_arn=service.function_arn,
                function_name=service.function.name,
                role_name=service.role_name,
                service_policy=service.service_policy,
                tags=tags,
            ),
        )
        summaries[inst.instance_id] = component.summary
        for kind, arn in component.secret_arns.items():
            secret_arns[f"{inst.instance_id}/{kind}"] = arn
    outputs = {
        "secret_arns": secret_arns,
        "admin_secret_arn": service.admin_secret_arn,
        "kms_key_arn": service.key_arn,
        "rotation_lambda_arn": service.function_arn,
        "alarm_topic_arn": service.topic_arn,
        "dashboard_url": service.dashboard_url,
        "instances": summaries,
    }
    for key, value in outputs.items():
        pulumi.export(key, value)
    return outputs


def run() -> None:
    """Entry point of the Pulumi program (`pulumi up` / `pulumi preview`)."""
    cfg = read_config()
    region = str(pulumi.Config("aws").get("region") or "us-east-1")
    check_policy_quota(cfg, pulumi.get_stack(), region)
    if not os.path.exists(lambda_zip_path(cfg)):
        raise PackageError(f"{cfg.lambda_zip} not found: run `make package` before pulumi up")
    deploy(cfg, pulumi.get_stack())
