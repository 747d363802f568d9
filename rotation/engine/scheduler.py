"""boto3 adapter: one-time EventBridge Scheduler schedules that invoke the rotation Lambda.

Scheduler fires within the minute of an ``at()`` expression and deletes a one-time
schedule (``ActionAfterCompletion: DELETE``) shortly after it fires; a disabled
scheduler (no target configured, e.g. a local run) makes and cancels nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rotation.engine.aws import AwsClients, aws_errors

__all__ = ["Scheduler"]

log = logging.getLogger("rotation.engine")


class Scheduler:
    """One-time EventBridge Scheduler schedules that invoke the rotation Lambda."""

    def __init__(
        self, clients: AwsClients, *, group: str, target_arn: str | None, role_arn: str | None
    ) -> None:
        self._clients = clients
        self.group = group
        self.target_arn = target_arn
        self.role_arn = role_arn

    @property
    def enabled(self) -> bool:
        return bool(self.target_arn and self.role_arn)

    def once(self, name: str, at: float, payload: Mapping[str, Any]) -> bool:
        """Create or move a one-time schedule ``at(...)`` that deletes itself after it runs.

        Returns False when no target is configured (local runs): the sweep covers it.
        """
        if not self.enabled:
            return False
        from botocore.exceptions import ClientError

        sc = self._clients.client("scheduler")
        when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        kwargs: dict[str, Any] = {
            "Name": name,
            "GroupName": self.group,
            "ScheduleExpression": f"at({when})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": self.target_arn,
                "RoleArn": self.role_arn,
                "Input": json.dumps(dict(payload), sort_keys=True),
            },
        }
        with aws_errors(f"CreateSchedule {name}"):
            try:
                sc.create_schedule(**kwargs)
            except ClientError as exc:
                # A retried step finds its own schedule: move it rather than fail.
                if exc.response.get("Error", {}).get("Code") != "ConflictException":
                    raise
                sc.update_schedule(**kwargs)
        return True

    def cancel(self, name: str) -> bool:
        """Delete a schedule; False if there was none."""
        if not self.enabled:
            return False
        from botocore.exceptions import ClientError

        with aws_errors(f"DeleteSchedule {name}"):
            try:
                self._clients.client("scheduler").delete_schedule(Name=name, GroupName=self.group)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return False
                raise
        return True

    def pending(self, prefix: str) -> list[str]:
        """Names of schedules in the group starting with ``prefix``."""
        if not self.enabled:
            return []
        names: list[str] = []
        with aws_errors("ListSchedules"):
            pages = self._clients.client("scheduler").get_paginator("list_schedules")
            for page in pages.paginate(GroupName=self.group, NamePrefix=prefix):
                names.extend(s["Name"] for s in page.get("Schedules", []))
        return names


#: PutMetricData accepts up to 1,000 metric data points per call.
