"""The Pulumi program under the project's mocks: every resource and its key properties."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.monitoring import ROTATION_EVENT_PATTERN
from infra.plan import SECRET_SIG, SECURE_PLACEHOLDER
from rotation.contract import (
    CLIENT_NAMESPACE,
    ENV,
    INSTANCE_TAG,
    KIND_TAG,
    LATENCY_ALARMS,
    ROTATION_NAMESPACE,
    SECRET_DIMENSION,
)
from tests.infra.conftest import Plan

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
SYNAP_KEY = re.compile(r"synap_[A-Za-z0-9]{58}")


def key_arn(plan: Plan) -> str:
    return str(plan.one("aws:kms/key:Key", "rotation-key")["outputs"]["arn"])


def topic_arn(plan: Plan) -> str:
    return str(plan.one("aws:sns/topic:Topic", "rotation-alarms")["outputs"]["arn"])


def function(plan: Plan) -> dict[str, Any]:
    return plan.one(FUNCTION, "rotation-function")


def instance_secrets(plan: Plan) -> list[dict[str, Any]]:
    return [s for s in plan.of_type(SECRET) if not s["urn"].endswith("::rotation-admin")]


def test_components_group_the_resources(example_plan: Plan) -> None:
    components = {
        r["urn"].rsplit("::", 1)[-1]: r["type"] for r in example_plan.resources if not r["custom"]
    }
    assert components == {
        "synap-keyops-example": "pulumi:pulumi:Stack",
        "rotation": "synap:keyops:RotationService",
        "inst_support_bot": "synap:keyops:SynapInstance",
        "inst_payments_agent": "synap:keyops:SynapInstance",
    }
    # GIVEN the same per-instance shape, THEN both instances have the same resource count
    counts = {
        name: len(example_plan.children(name))
        for name in ("inst_support_bot", "inst_payments_agent")
    }
    assert counts == {"inst_support_bot": 21, "inst_payments_agent": 21}
    kinds = sorted(r["type"] for r in example_plan.children("inst_support_bot"))
    assert kinds.count(SECRET) == 2 and kinds.count(ROTATION) == 2 and kinds.count(ALARM) == 14


def test_kms_key_has_rotation_on_and_encrypts_every_secret(example_plan: Plan) -> None:
    key = example_plan.one("aws:kms/key:Key", "rotation-key")["inputs"]
    assert key["enableKeyRotation"] is True
    assert key["multiRegion"] is True  # the example replicates one instance's secrets
    secrets = example_plan.of_type(SECRET)
    assert len(secrets) == 5  # 2 instances x (api key + webhook secret) + admin
    assert {s["inputs"]["kmsKeyId"] for s in secrets} == {key_arn(example_plan)}


def test_secrets_have_no_initial_value_and_rotate_per_tier(example_plan: Plan) -> None:
    versions = example_plan.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert [v["urn"].rsplit("::", 1)[-1] for v in versions] == ["rotation-admin-value"]
    for secret in instance_secrets(example_plan):
        assert "secretString" not in secret["inputs"]
        assert secret["inputs"]["tags"][KIND_TAG] in ("api-key", "webhook-secret")
    days = {
        r["urn"].rsplit("::", 1)[-1]: r["inputs"]["rotationRules"]["automaticallyAfterDays"]
        for r in example_plan.of_type(ROTATION)
    }
    assert days == {
        "inst_support_bot-api-key-rotation": 90,
        "inst_support_bot-webhook-secret-rotation": 90,
        "inst_payments_agent-api-key-rotation": 30,
        "inst_payments_agent-webhook-secret-rotation": 30,
    }
    fn_arn = function(example_plan)["outputs"]["arn"]
    for rotation in example_plan.of_type(ROTATION):
        assert rotation["inputs"]["rotateImmediately"] is True
        assert rotation["inputs"]["rotationLambdaArn"] == fn_arn


def test_rotation_is_created_after_its_invoke_permission_and_policies(example_plan: Plan) -> None:
    secrets = {s["outputs"]["arn"]: s for s in example_plan.of_type(SECRET)}
    permissions = example_plan.of_type("aws:lambda/permission:Permission")
    assert len(permissions) == 4
    for permission in permissions:
        assert permission["inputs"]["principal"] == "secretsmanager.amazonaws.com"
        assert permission["inputs"]["sourceArn"] in secrets
    for rotation in example_plan.of_type(ROTATION):
        name = rotation["urn"].rsplit("::", 1)[-1].removesuffix("-rotation")
        instance = name.rsplit("-", 2)[0]
        deps = rotation["dependencies"]
        assert any(d.endswith(f"::{name}-invoke") for d in deps)
        assert any(d.endswith(f"::{instance}-policy") for d in deps)
        assert any(d.endswith("::rotation-policy") for d in deps)


def test_replica_secrets_use_the_replica_key(example_plan: Plan) -> None:
    replica_key = example_plan.one("aws:kms/replicaKey:ReplicaKey", "rotation-key-eu-central-1")
    assert replica_key["inputs"]["primaryKeyArn"] == key_arn(example_plan)
    assert replica_key["provider"].startswith(
        "urn:pulumi:example::synap-keyops::synap:keyops:RotationService$pulumi:providers:aws::"
    )
    payments = example_plan.one(SECRET, "inst_payments_agent-api-key")["inputs"]
    assert payments["replicas"] == [
        {"region": "eu-central-1", "kmsKeyId": replica_key["outputs"]["arn"]}
    ]
    assert "replicas" not in example_plan.one(SECRET, "inst_support_bot-api-key")["inputs"] or (
        example_plan.one(SECRET, "inst_support_bot-api-key")["inputs"]["replicas"] == []
    )


def test_lambda_is_sized_for_ecs_waits_and_holds_no_secret(example_plan: Plan) -> None:
    fn = function(example_plan)["inputs"]
    assert fn["runtime"] == "python3.12"
    assert fn["architectures"] == ["arm64"]
    assert fn["handler"] == "rotation.handler.lambda_handler"
    assert fn["timeout"] == 900 and fn["memorySize"] == 512
    # repository-relative: the same `code` input on every machine
    assert fn["code"]["path"] == "build/rotation-lambda.zip"
    assert fn["reservedConcurrentExecutions"] == 5
    dlq = example_plan.one("aws:sqs/queue:Queue", "rotation-dlq")["outputs"]["arn"]
    assert fn["deadLetterConfig"] == {"targetArn": dlq}
    log_group = example_plan.one("aws:cloudwatch/logGroup:LogGroup", "rotation-logs")["inputs"]
    assert log_group["retentionInDays"] == 90
    assert fn["loggingConfig"]["logGroup"] == log_group["name"]
    env = fn["environment"]["variables"]
    assert set(env) == {
        ENV.api_url,
        ENV.admin_secret_id,
        ENV.grace_seconds,
        ENV.deployers,
        ENV.revoke_target_arn,
        ENV.scheduler_role_arn,
        ENV.schedule_group,
    }
    assert env[ENV.admin_secret_id].startswith("arn:aws:secretsmanager:")  # an id, not a value
    assert env[ENV.revoke_target_arn] == function(example_plan)["outputs"]["arn"]
    assert env[ENV.grace_seconds] == "172800"
    deployers = json.loads(env[ENV.deployers])
    assert deployers["synap/inst_payments_agent/api-key"][0]["cluster"] == "payments"
    for value in env.values():
        assert not isinstance(value, dict), "a secret-wrapped value in the environment"
        assert not SYNAP_KEY.search(value) and SECURE_PLACEHOLDER not in value
    on_failure = example_plan.one(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "rotation-async"
    )["inputs"]
    assert on_failure["destinationConfig"]["onFailure"]["destination"] == dlq


def statements(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for policy in plan.of_type(POLICY):
        out += json.loads(policy["inputs"]["policy"])["Statement"]
    return out


@pytest.mark.parametrize("plan_name", ["example_plan", "alt_plan"])
def test_iam_is_scoped_to_arns(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    managed = {s["outputs"]["arn"] for s in instance_secrets(plan)}
    for st in statements(plan):
        actions = st["Action"]
        resources = st["Resource"]
        value_actions = [
            a for a in actions if a.startswith(("secretsmanager:", "kms:")) and ":List" not in a
        ]
        if value_actions:
            assert all("*" not in r for r in resources), st
        if "secretsmanager:PutSecretValue" in actions:
            assert set(resources) <= managed, st
        if any(a.startswith("kms:") for a in actions):
            assert resources == [key_arn(plan)], st
        if any(a.startswith("scheduler:") and a != "scheduler:ListSchedules" for a in actions):
            assert all(
                ":schedule/synap-keyops-" in r and r.endswith("-revokes/*") for r in resources
            )
        if "*" in resources:
            # only actions AWS cannot scope to a resource
            assert set(actions) <= {
                "cloudwatch:PutMetricData",
                "secretsmanager:ListSecrets",
                "scheduler:ListSchedules",
            }, st
    # every managed secret is covered by exactly one instance policy
    put = [st for st in statements(plan) if "secretsmanager:PutSecretValue" in st["Action"]]
    assert sorted(r for st in put for r in st["Resource"]) == sorted(managed)


def test_deploy_actions_only_on_configured_consumers(example_plan: Plan, alt_plan: Plan) -> None:
    ecs = [st for st in statements(example_plan) if "ecs:UpdateService" in st["Action"]]
    assert [st["Resource"] for st in ecs] == [
        ["arn:aws:ecs:eu-west-1:123456789012:service/payments/agent-api"]
    ]
    lam = [
        st for st in statements(alt_plan) if "lambda:UpdateFunctionConfiguration" in st["Action"]
    ]
    assert [st["Resource"] for st in lam] == [
        ["arn:aws:lambda:us-west-2:123456789012:function:consumer-fn"]
    ]
    hook = [st for st in statements(alt_plan) if st["Sid"] == "DeployHookSigning"]
    assert hook[0]["Resource"] == [
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:hooks/signing-??????"
    ]


def test_scheduler_group_role_and_daily_sweep(example_plan: Plan) -> None:
    group = example_plan.one("aws:scheduler/scheduleGroup:ScheduleGroup", "rotation-schedules")
    sweep = example_plan.one("aws:scheduler/schedule:Schedule", "rotation-sweep")["inputs"]
    role = example_plan.one("aws:iam/role:Role", "rotation-scheduler-role")
    fn_arn = function(example_plan)["outputs"]["arn"]
    assert sweep["groupName"] == group["inputs"]["name"]
    assert sweep["scheduleExpression"].startswith("cron(")
    assert sweep["target"]["arn"] == fn_arn
    assert sweep["target"]["roleArn"] == role["outputs"]["arn"]
    assert json.loads(sweep["target"]["input"]) == {"action": "sweep"}
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    invoke = json.loads(example_plan.one(POLICY, "rotation-scheduler-invoke")["inputs"]["policy"])
    assert invoke["Statement"][0]["Resource"] == [fn_arn]
    env = function(example_plan)["inputs"]["environment"]["variables"]
    assert env[ENV.schedule_group] == group["inputs"]["name"]
    assert env[ENV.scheduler_role_arn] == role["outputs"]["arn"]


def alarms(plan: Plan, instance: str) -> dict[str, dict[str, Any]]:
    return {
        r["urn"].rsplit("::", 1)[-1].removeprefix(f"{instance}-"): r["inputs"]
        for r in plan.children(instance)
        if r["type"] == ALARM
    }


def test_every_alarm_notifies_the_one_topic(example_plan: Plan) -> None:
    all_alarms = example_plan.of_type(ALARM)
    assert len(all_alarms) == 2 * 14 + 2
    for alarm in all_alarms:
        assert alarm["inputs"]["alarmActions"] == [topic_arn(example_plan)]
        assert alarm["inputs"]["treatMissingData"] in ("notBreaching", "breaching")


def test_error_rate_is_metric_math_over_five_minutes(example_plan: Plan) -> None:
    alarm = alarms(example_plan, "inst_support_bot")["error-rate"]
    assert alarm["comparisonOperator"] == "GreaterThanThreshold" and alarm["threshold"] == 1
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    assert queries["result"]["expression"] == "100 * errors / requests"
    assert queries["result"]["returnData"] is True
    for qid, metric in (("errors", "Errors"), ("requests", "Requests")):
        m = queries[qid]["metric"]
        assert (m["namespace"], m["metricName"], m["period"], m["stat"]) == (
            CLIENT_NAMESPACE,
            metric,
            300,
            "Sum",
        )
        assert m["dimensions"] == {"Instance": "inst_support_bot"}


def test_client_alarm_thresholds_with_overrides(example_plan: Plan) -> None:
    support = alarms(example_plan, "inst_support_bot")
    payments = alarms(example_plan, "inst_payments_agent")
    auth = support["auth-failures"]
    assert (auth["comparisonOperator"], auth["threshold"], auth["period"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
        60,
    )
    assert support["rate-limited"]["threshold"] == 20  # overridden in the example
    assert payments["rate-limited"]["threshold"] == 10  # contract default
    assert (
        payments["zero-results"]["threshold"] == 10 and support["zero-results"]["threshold"] == 50
    )
    for lat in LATENCY_ALARMS:
        key = f"latency-{lat.operation.replace('.', '-').replace('_', '-')}-{lat.mode}"
        alarm = support[key]
        assert alarm["extendedStatistic"] == "p95" and alarm["metricName"] == "Latency"
        assert alarm["dimensions"] == {
            "Instance": "inst_support_bot",
            "Operation": lat.operation,
            "Mode": lat.mode,
        }
        assert alarm["threshold"] == lat.p95_ms
    assert payments["latency-context-fetch-fast"]["threshold"] == 400  # overridden
    assert support["latency-context-fetch-accurate"]["threshold"] == 1500


def test_rotation_alarms_per_secret(example_plan: Plan) -> None:
    support = alarms(example_plan, "inst_support_bot")
    payments = alarms(example_plan, "inst_payments_agent")
    overdue = payments["rotation-overdue-api-key"]
    assert overdue["namespace"] == ROTATION_NAMESPACE
    assert overdue["metricName"] == "DaysSinceLastRotation"
    assert overdue["dimensions"] == {SECRET_DIMENSION: "synap/inst_payments_agent/api-key"}
    assert overdue["threshold"] == 31 and support["rotation-overdue-api-key"]["threshold"] == 91
    # the sweep reports daily: silence means it is broken
    assert overdue["treatMissingData"] == "breaching"
    for key in ("revoke-failed-api-key", "revoke-postponed-api-key", "rotation-failed-api-key"):
        assert support[key]["treatMissingData"] == "notBreaching"
        assert support[key]["threshold"] == 1
    service = {
        r["urn"].rsplit("::", 1)[-1]: r["inputs"]
        for r in example_plan.children("rotation")
        if r["type"] == ALARM
    }
    errors = service["rotation-lambda-errors"]
    assert (errors["namespace"], errors["metricName"], errors["threshold"]) == (
        "AWS/Lambda",
        "Errors",
        1,
    )
    assert errors["dimensions"] == {"FunctionName": function(example_plan)["inputs"]["name"]}


def test_rotation_failed_events_go_to_the_topic(example_plan: Plan) -> None:
    rule = example_plan.one("aws:cloudwatch/eventRule:EventRule", "rotation-rotation-events")
    pattern = json.loads(rule["inputs"]["eventPattern"])
    assert pattern == ROTATION_EVENT_PATTERN
    assert pattern["detail"]["eventName"] == ["RotationFailed", "RotationAbandoned"]
    target = example_plan.one(
        "aws:cloudwatch/eventTarget:EventTarget", "rotation-rotation-events-topic"
    )
    assert target["inputs"]["arn"] == topic_arn(example_plan)
    topic_policy = json.loads(
        example_plan.one("aws:sns/topicPolicy:TopicPolicy", "rotation-alarms-policy")["inputs"][
            "policy"
        ]
    )
    assert "events.amazonaws.com" in topic_policy["Statement"][0]["Principal"]["Service"]


def test_dashboard_shows_every_alarm_metric(example_plan: Plan) -> None:
    body = json.loads(
        example_plan.one("aws:cloudwatch/dashboard:Dashboard", "rotation-dashboard")["inputs"][
            "dashboardBody"
        ]
    )
    titles = {w["properties"]["title"] for w in body["widgets"] if w["type"] == "metric"}
    for instance in ("inst_support_bot", "inst_payments_agent"):
        for key in alarms(example_plan, instance):
            assert f"{instance}: {key}" in titles
    assert "rotation: lambda-errors" in titles
    assert all(
        w["properties"]["region"] == "eu-west-1" for w in body["widgets"] if w["type"] == "metric"
    )


def test_no_secret_value_in_any_input_or_output(example_plan: Plan) -> None:
    version = example_plan.one(
        "aws:secretsmanager/secretVersion:SecretVersion", "rotation-admin-value"
    )
    # the admin key goes in as a write-only secret: never in outputs, encrypted in inputs
    assert version["inputs"]["secretStringWo"]["4dabf18193072939515e22adb298388d"] == SECRET_SIG
    assert "secretStringWo" not in version["outputs"]
    assert "secretString" not in version["inputs"]
    assert SECURE_PLACEHOLDER not in example_plan.text
    assert not SYNAP_KEY.search(example_plan.text)
    assert "admin_key" not in json.dumps(function(example_plan))


def test_outputs_summarise_every_instance(example_plan: Plan) -> None:
    outputs = example_plan.stack_outputs
    assert outputs["rotation_lambda_arn"] == function(example_plan)["outputs"]["arn"]
    assert outputs["alarm_topic_arn"] == topic_arn(example_plan)
    assert outputs["dashboard_url"].endswith("#dashboards:name=synap-keyops-example-keys")
    assert set(outputs["secret_arns"]) == {
        "inst_support_bot/api-key",
        "inst_support_bot/webhook-secret",
        "inst_payments_agent/api-key",
        "inst_payments_agent/webhook-secret",
    }
    payments = outputs["instances"]["inst_payments_agent"]
    assert payments["rotation_days"] == 30 and payments["replica_regions"] == ["eu-central-1"]
    assert payments["secrets"]["api-key"] == outputs["secret_arns"]["inst_payments_agent/api-key"]


def test_existing_admin_secret_vpc_and_explicit_days(alt_plan: Plan) -> None:
    arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:synap/admin-AbCdEf"
    assert [s["urn"].rsplit("::", 1)[-1] for s in alt_plan.of_type(SECRET)] == ["inst_alt-api-key"]
    assert alt_plan.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []
    fn = function(alt_plan)["inputs"]
    assert fn["environment"]["variables"][ENV.admin_secret_id] == arn
    assert fn["vpcConfig"]["subnetIds"] == ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    assert fn["reservedConcurrentExecutions"] == 2
    endpoint = alt_plan.one("aws:ec2/vpcEndpoint:VpcEndpoint", "rotation-secretsmanager-endpoint")
    assert endpoint["inputs"]["serviceName"] == "com.amazonaws.us-west-2.secretsmanager"
    assert endpoint["inputs"]["vpcEndpointType"] == "Interface"
    assert endpoint["inputs"]["privateDnsEnabled"] is True
    [rotation] = alt_plan.of_type(ROTATION)
    assert rotation["inputs"]["rotationRules"]["automaticallyAfterDays"] == 14
    admin = [st for st in statements(alt_plan) if st["Sid"] == "AdminCredential"]
    assert admin[0]["Resource"] == [arn]
    secret = alt_plan.one(SECRET, "inst_alt-api-key")["inputs"]
    assert secret["tags"][INSTANCE_TAG] == "inst_alt"
    assert alt_plan.of_type("aws:kms/replicaKey:ReplicaKey") == []


AWS_CALL = re.compile(r"\.(?:get_paginator\(\"([a-z_]+)\"\)|([a-z]+(?:_[a-z]+)+))\(")
LAMBDA_CODE = ("rotation/handler.py", "rotation/engine", "rotation/deployers")
NOT_AWS = {"get_paginator", "get_waiter"}
#: Calls made only by operator commands run with the operator's credentials, never by the
#: Lambda: `adopt` creates a missing secret (the Pulumi program creates them in AWS).
OPERATOR_ONLY = {"create_secret"}


def test_the_role_allows_every_aws_call_the_lambda_code_makes(
    example_plan: Plan, alt_plan: Plan
) -> None:
    # GIVEN every boto3 client method the Lambda's code calls, as IAM action candidates
    import botocore.session

    from tests.infra.conftest import ROOT

    session = botocore.session.get_session()
    by_snake: dict[str, set[str]] = {}
    for service in ("secretsmanager", "scheduler", "ecs", "lambda", "cloudwatch"):
        for op in session.get_service_model(service).operation_names:
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()
            by_snake.setdefault(snake, set()).add(f"{service}:{op}")
    called: dict[str, set[str]] = {}
    for where in LAMBDA_CODE:
        path = ROOT / where
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            for paginated, method in AWS_CALL.findall(file.read_text(encoding="utf-8")):
                name = paginated or method
                if name in by_snake and name not in NOT_AWS | OPERATOR_ONLY:
                    called[name] = by_snake[name]
    assert "put_secret_value" in called  # the scan does find the engine's calls
    # THEN the role's policies grant each of them (tag_resource: any one of the services);
    # the example has an ECS consumer, the other stack a Lambda one.
    granted = {
        a for plan in (example_plan, alt_plan) for st in statements(plan) for a in st["Action"]
    }
    missing = sorted(name for name, actions in called.items() if not actions & granted)
    assert missing == []


def test_every_alarm_points_at_its_runbook_page(example_plan: Plan) -> None:
    from tests.infra.conftest import ROOT

    for alarm in example_plan.of_type(ALARM):
        description = alarm["inputs"]["alarmDescription"]
        page = description.rsplit("Runbook: ", 1)[-1]
        assert page.startswith("runbooks/alarms/") and page.endswith(".md"), description
        assert (ROOT / page).is_file(), f"{alarm['urn']}: no runbook page {page}"
