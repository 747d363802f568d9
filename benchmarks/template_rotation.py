"""The peer of the calls-per-rotation benchmark: the AWS rotation template's call pattern.

A straightforward port of ``SecretsManagerRotationTemplate/lambda_function.py`` from
aws-samples/aws-secrets-manager-rotation-lambdas to a Synap key: every step starts with
``describe_secret``; createSecret reads AWSCURRENT, tries AWSPENDING and, when absent,
makes the key (Synap generates it, where the template calls ``get_random_password``) and
``put_secret_value``s it as AWSPENDING; setSecret has nothing left to set (the key exists
at Synap once created); testSecret reads AWSPENDING and verifies the key with Synap;
finishSecret describes again and moves AWSCURRENT, then removes AWSPENDING. It revokes
nothing, pins nothing, emits no metric and guards against no lost response: it is the
floor a bare template implementation pays.

As with the project's local driver, moto cannot make a version without a value before
createSecret, so a token that is not yet a version is accepted in that step (``local``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from rotation.synap_client import SynapAdminClient

__all__ = ["STEPS", "template_rotate", "template_step"]

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"


def template_step(
    sm: Any, synap: SynapAdminClient, arn: str, token: str, step: str, *, local: bool = True
) -> None:
    metadata = sm.describe_secret(SecretId=arn)
    versions = metadata.get("VersionIdsToStages") or {}
    if token not in versions:
        if not (local and step == "createSecret"):
            raise ValueError(f"version {token} has no stage for rotation of {arn}")
    elif CURRENT in versions[token]:
        return
    elif PENDING not in versions[token]:
        raise ValueError(f"version {token} not set as AWSPENDING for rotation of {arn}")
    if step == "createSecret":
        _create(sm, synap, arn, token)
    elif step == "testSecret":
        _test(sm, synap, arn, token)
    elif step == "finishSecret":
        _finish(sm, arn, token)
    elif step != "setSecret":
        raise ValueError("Invalid step parameter")


def _create(sm: Any, synap: SynapAdminClient, arn: str, token: str) -> None:
    current = json.loads(sm.get_secret_value(SecretId=arn, VersionStage=CURRENT)["SecretString"])
    try:
        sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)
    except sm.exceptions.ResourceNotFoundException:
        created = synap.create_key(current["instance_id"], f"template-{token}")
        value = {
            "api_key": created.api_key,
            "key_id": created.key_id,
            "instance_id": current["instance_id"],
            "label": created.label,
            "created_at": created.created_at,
        }
        sm.put_secret_value(
            SecretId=arn,
            ClientRequestToken=token,
            SecretString=json.dumps(value),
            VersionStages=[PENDING],
        )


def _test(sm: Any, synap: SynapAdminClient, arn: str, token: str) -> None:
    raw = sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)
    pending = json.loads(raw["SecretString"])
    if not synap.verify_key(pending["instance_id"], pending["api_key"]):
        raise ValueError("Synap refuses the pending key")


def _finish(sm: Any, arn: str, token: str) -> None:
    metadata = sm.describe_secret(SecretId=arn)
    current_version = None
    for version, stages in (metadata.get("VersionIdsToStages") or {}).items():
        if CURRENT in stages:
            if version == token:
                return
            current_version = version
            break
    sm.update_secret_version_stage(
        SecretId=arn,
        VersionStage=CURRENT,
        MoveToVersionId=token,
        RemoveFromVersionId=current_version,
    )
    sm.update_secret_version_stage(SecretId=arn, VersionStage=PENDING, RemoveFromVersionId=token)


def template_rotate(sm: Any, api_url: str, admin_secret_id: str, arn: str) -> str:
    """One rotation as the template's Lambda would do it, including reading the admin key."""
    admin = json.loads(
        sm.get_secret_value(SecretId=admin_secret_id, VersionStage=CURRENT)["SecretString"]
    )["admin_key"]
    token = str(uuid.uuid4())
    with SynapAdminClient(api_url, admin) as synap:
        for step in STEPS:
            template_step(sm, synap, arn, token, step)
    return token
