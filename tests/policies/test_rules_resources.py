"""Resource and stack rules on plain resources: each with a positive and a negative case."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from policies.rules.catalog import resolve_enforcement
from policies.rules.embedded import check_embedded_keys
from policies.rules.iam import check_iam
from policies.rules.kms import check_kms
from policies.rules.resource_model import Resource
from policies.rules.rotation import check_grace, check_rotation, check_rotation_rules
from policies.rules.sdk import check_sdk_inputs
from policies.stack import check_resources, parse_resources

from .helpers import aws_key_id, broken_export, clean_export, generate_key


def res(rtype: str, props: dict[str, Any], name: str = "r", **kw: Any) -> Resource:
    return Resource(type=rtype, urn=f"urn:pulumi:s::p::{rtype}::{name}", props=props, **kw)


def test_clean_stack_has_no_violation() -> None:
    resources = parse_resources(clean_export(), "stack-export")
    assert check_resources(resources, resolve_enforcement()) == []


def test_broken_stack_names_each_violation() -> None:
    export, expected = broken_export()
    findings = check_resources(parse_resources(export, "stack-export"), resolve_enforcement())
    for rule_id, fragment in expected.items():
        messages = [f.message for f in findings if f.rule_id == rule_id]
        assert any(fragment in m for m in messages), (rule_id, messages)
    assert all(f.resource for f in findings)


@pytest.mark.parametrize(
    ("rtype", "make_props"),
    [
        ("aws:lambda/function:Function", lambda k: {"environment": {"variables": {"KEY": k}}}),
        (
            "aws:ecs/taskDefinition:TaskDefinition",
            lambda k: {
                "containerDefinitions": json.dumps([{"environment": [{"name": "K", "value": k}]}])
            },
        ),
        ("aws:ssm/parameter:Parameter", lambda k: {"type": "String", "value": k}),
        (
            "aws:ec2/instance:Instance",
            lambda k: {"userData": f"#!/bin/sh\nexport SYNAP_API_KEY={k}\n"},
        ),
        ("aws:s3/bucket:Bucket", lambda k: {"tags": {"debug": k}}),
    ],
)
def test_key_in_any_input_is_a_violation(rtype: str, make_props: Any) -> None:
    key = generate_key()
    (v,) = check_embedded_keys(res(rtype, make_props(key)))
    assert v.rule_id == "no-key-in-resource-inputs"
    assert key not in v.message and key[:10] + "…" in v.message


def test_other_credentials_and_references_in_inputs() -> None:
    assert check_embedded_keys(
        res(
            "aws:lambda/function:Function",
            {"environment": {"variables": {"AWS_ACCESS_KEY_ID": aws_key_id()}}},
        )
    )
    ok = {
        "environment": {
            "variables": {
                "SYNAP_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:synap/x-AbCdEf",
                "SYNAP_API_KEY": {
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    "ciphertext": "v1:abc",
                },
            }
        }
    }
    assert check_embedded_keys(res("aws:lambda/function:Function", ok)) == []
    encoded = base64.b64encode(b"echo hello").decode()
    assert check_embedded_keys(res("aws:ec2/instance:Instance", {"userDataBase64": encoded})) == []


def test_kms() -> None:
    secret = "aws:secretsmanager/secret:Secret"
    tags = {"synap:tier": "standard"}
    assert check_kms(res(secret, {"name": "synap/a", "tags": tags}))
    assert check_kms(res(secret, {"name": "synap/a", "kmsKeyId": "alias/aws/secretsmanager"}))
    assert check_kms(res(secret, {"name": "synap/a", "kmsKeyId": "arn:aws:kms:r:1:key/k"})) == []
    assert check_kms(res(secret, {"name": "other-app/db"})) == []  # not a Synap secret


def test_rotation_rules_and_tiers() -> None:
    rotation = "aws:secretsmanager/secretRotation:SecretRotation"
    assert check_rotation_rules(res(rotation, {"rotationRules": {"automaticallyAfterDays": 91.0}}))
    assert check_rotation_rules(res(rotation, {"rotationRules": {}}))
    assert (
        check_rotation_rules(
            res(rotation, {"rotationRules": {"scheduleExpression": "rate(10 days)"}})
        )
        == []
    )
    secret = res(
        "aws:secretsmanager/secret:Secret",
        {"name": "synap/a", "tags": {"synap:tier": "14"}},
        name="s",
        id="arn:s",
    )
    rot = res(rotation, {"secretId": "arn:s", "rotationRules": {"automaticallyAfterDays": 15.0}})
    assert "limit is 14" in check_rotation([secret, rot])[0].message
    rot_ok = res(rotation, {"secretId": "arn:s", "rotationRules": {"automaticallyAfterDays": 14.0}})
    assert check_rotation([secret, rot_ok]) == []
    assert "no SecretRotation" in check_rotation([secret])[0].message
    bad_tier = res("aws:secretsmanager/secret:Secret", {"tags": {"synap:tier": "gold"}})
    assert "synap:tier=gold" in check_rotation([bad_tier])[0].message


def test_grace() -> None:
    fn = "aws:lambda/function:Function"
    assert check_grace(res(fn, {"environment": {"variables": {"SYNAP_GRACE_SECONDS": "60"}}}))
    assert check_grace(res(fn, {"environment": {"variables": {"SYNAP_GRACE_SECONDS": "soon"}}}))
    assert (
        check_grace(res(fn, {"environment": {"variables": {"SYNAP_GRACE_SECONDS": "172800"}}}))
        == []
    )
    assert check_grace(res(fn, {"environment": {"variables": {}}})) == []  # default is 48 h


@pytest.mark.parametrize(
    ("statement", "bad"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:r:1:key/k"}, True),
        ({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"}, True),
        (
            {"Effect": "Allow", "Action": ["secretsmanager:GetRandomPassword"], "Resource": "*"},
            False,
        ),
        ({"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        (
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": ["arn:aws:kms:r:1:key/k"]},
            False,
        ),
    ],
)
def test_iam_wildcards(statement: dict[str, Any], bad: bool) -> None:
    doc = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    for rtype, props in [
        ("aws:iam/rolePolicy:RolePolicy", {"policy": doc}),
        ("aws:iam/policy:Policy", {"policy": json.loads(doc)}),
        ("aws:iam/role:Role", {"inlinePolicies": [{"name": "p", "policy": doc}]}),
    ]:
        assert bool(check_iam(res(rtype, props))) is bad


def test_sdk_settings_in_inputs() -> None:
    fn = "aws:lambda/function:Function"
    env = {"SYNAP_LOG_LEVEL": "DEBUG", "SYNAP_TIMEOUT_SECONDS": "30"}
    (v,) = check_sdk_inputs(res(fn, {"environment": {"variables": env}}))
    assert v.rule_id == "sdk-log-level" and "environment.variables" in v.message
    env["SYNAP_LOG_LEVEL"] = "WARNING"
    assert check_sdk_inputs(res(fn, {"environment": {"variables": env}})) == []


def test_enforcement_overrides_and_disable() -> None:
    export, _ = broken_export()
    resources = parse_resources(export, "stack-export")
    levels = resolve_enforcement(
        {"monitoring-alarms": "disabled", "revoke-grace-period": "advisory"}
    )
    findings = check_resources(resources, levels)
    assert not any(f.rule_id == "monitoring-alarms" for f in findings)
    assert {f.enforcement for f in findings if f.rule_id == "revoke-grace-period"} == {"advisory"}


def test_only_pulumis_secret_marker_hides_a_value() -> None:
    # GIVEN a key next to a look-alike marker (the wrong special-object key, or an asset's sig)
    for marker in (
        {"4dabf18193072939515e22adc298bd5a": "1b47061264138c4ac30d75fd1eb44270"},
        {"4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17"},
    ):
        inputs = {"environment": {"variables": {"X": {**marker, "text": generate_key()}}}}
        # THEN the key is still found: only {sig: secret} is an encrypted value
        assert check_embedded_keys(res("aws:lambda/function:Function", inputs))
