"""Alerting of the rotation service: the SNS topic, the rotation-event rule, the Lambda's
alarms and the dashboard (children of `RotationService`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.alarms import AlarmSpec, lambda_alarms, metric_alarm_args
from infra.config import StackConfig
from infra.dashboard import dashboard_body, dashboard_url

__all__ = [
    "ROTATION_EVENT_PATTERN",
    "alarm_topic",
    "rotation_events",
    "service_alarms_and_dashboard",
]

#: Secrets Manager reports rotation outcomes as CloudTrail service events.
ROTATION_EVENT_PATTERN: dict[str, Any] = {
    "source": ["aws.secretsmanager"],
    "detail-type": ["AWS Service Event via CloudTrail"],
    "detail": {"eventName": ["RotationFailed", "RotationAbandoned"]},
}


def alarm_topic(
    name: str,
    cfg: StackConfig,
    scope: pulumi.Output[iam.AwsScope],
    tags: dict[str, str],
    child: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """The topic every alarm and rotation event notifies; returns its ARN."""
    topic = aws.sns.Topic(f"{name}-alarms", tags=tags, opts=child)
    aws.sns.TopicPolicy(
        f"{name}-alarms-policy",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, scope).apply(
            lambda a: json.dumps(_topic_policy(a[0], a[1]))
        ),
        opts=child,
    )
    if cfg.alarm_email:
        aws.sns.TopicSubscription(
            f"{name}-alarms-email",
            topic=topic.arn,
            protocol="email",
            endpoint=cfg.alarm_email,
            opts=child,
        )
    return topic.arn


def rotation_events(
    name: str, topic_arn: pulumi.Input[str], tags: dict[str, str], child: pulumi.ResourceOptions
) -> None:
    """Secrets Manager's RotationFailed / RotationAbandoned events, to the topic."""
    rule = aws.cloudwatch.EventRule(
        f"{name}-rotation-events",
        description="Secrets Manager rotation failed or was abandoned",
        event_pattern=json.dumps(ROTATION_EVENT_PATTERN),
        tags=tags,
        opts=child,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-rotation-events-topic", rule=rule.name, arn=topic_arn, opts=child
    )


def service_alarms_and_dashboard(
    name: str,
    scope: pulumi.Output[iam.AwsScope],
    *,
    prefix: str,
    function_name: str,
    topic_arn: pulumi.Input[str],
    instance_alarms: Sequence[tuple[str, Sequence[AlarmSpec]]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """The rotation Lambda's alarms and the dashboard of every alarm; returns its URL."""
    specs = lambda_alarms(function_name, f"{prefix}-rotation-dlq")
    for spec in specs:
        aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            name=f"{prefix}-{spec.key}",
            tags=tags,
            **metric_alarm_args(spec, topic_arn),
            opts=opts,
        )
    dash_name = f"{prefix}-keys"
    aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        dashboard_name=dash_name,
        dashboard_body=scope.apply(
            lambda s: json.dumps(dashboard_body(s.region, specs, instance_alarms))
        ),
        opts=opts,
    )
    return scope.apply(lambda s: dashboard_url(s.region, dash_name))


def _topic_policy(topic_arn: str, scope: iam.AwsScope) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AlarmsAndEventsPublish",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": scope.account}},
            }
        ],
    }
