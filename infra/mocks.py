"""The project's Pulumi mocks: run the program offline and record what it would create.

`PlanMocks` answers resource registrations and provider calls with deterministic fake
ids and ARNs (account 123456789012); `RecordingMonitor` also keeps each resource's
parent, dependencies and component outputs, which the stock mock monitor drops, so
`infra.plan` can write a `pulumi stack export`-shaped file. Used by `make plan` and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.mocks import MockMonitor

__all__ = ["FAKE_ACCOUNT", "PlanMocks", "RecordedResource", "RecordingMonitor"]

FAKE_ACCOUNT = "123456789012"
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GET_REGION = "aws:index/getRegion:getRegion"
GET_PARTITION = "aws:index/getPartition:getPartition"


def _suffix(name: str, length: int = 6) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


class PlanMocks(Mocks):
    """Deterministic answers for every resource and call the program uses."""

    def __init__(self, region: str = "us-east-1", account: str = FAKE_ACCOUNT) -> None:
        self.region = region
        self.account = account
        self.calls: list[str] = []

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token = args.token
        self.calls.append(token)
        if token == CALLER_IDENTITY:
            arn = f"arn:aws:iam::{self.account}:user/plan"
            return {"accountId": self.account, "arn": arn, "userId": "AIDAPLAN", "id": self.account}
        if token == GET_REGION:
            return {"region": self.region, "name": self.region, "id": self.region}
        if token == GET_PARTITION:
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        raise NotImplementedError(f"unmocked call {token}: add it to infra.mocks.PlanMocks")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        typ = args.typ
        if not args.custom:
            return None, inputs
        region = inputs.get("region", self.region)
        name = str(inputs.get("name") or f"{args.name}-{_suffix(args.name, 7)}")
        arn = _fake_arn(typ, name, region, self.account, inputs)
        # Write-only inputs (e.g. secret_string_wo) are never read back by the provider.
        outputs: dict[str, Any] = {
            k: v for k, v in inputs.items() if not k.endswith("Wo") and k != "__defaults"
        }
        outputs["name"] = name
        if arn is not None:
            outputs["arn"] = arn
        if typ in ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"):
            key_id = f"mrk-{_suffix(args.name, 32)}"
            outputs |= {"keyId": key_id, "arn": f"arn:aws:kms:{region}:{self.account}:key/{key_id}"}
            outputs.pop("name")
            return key_id, outputs
        if typ == "aws:sqs/queue:Queue":
            outputs["url"] = f"https://sqs.{region}.amazonaws.com/{self.account}/{name}"
        if typ == "aws:secretsmanager/secret:Secret":
            return arn, outputs
        if typ == "aws:iam/role:Role":
            return name, outputs
        return f"{name}-id", outputs


def _fake_arn(typ: str, name: str, region: str, account: str, inputs: dict[str, Any]) -> str | None:
    service = typ.split(":")[1].split("/")[0].replace("lambda_", "lambda")
    suffix = _suffix(name)
    known = {
        "aws:secretsmanager/secret:Secret": f"secret:{name}-{suffix}",
        "aws:lambda/function:Function": f"function:{name}",
        "aws:sns/topic:Topic": name,
        "aws:sqs/queue:Queue": name,
        "aws:cloudwatch/logGroup:LogGroup": f"log-group:{name}",
        "aws:cloudwatch/metricAlarm:MetricAlarm": f"alarm:{name}",
        "aws:cloudwatch/eventRule:EventRule": f"rule/{name}",
        "aws:scheduler/scheduleGroup:ScheduleGroup": f"schedule-group/{name}",
        "aws:scheduler/schedule:Schedule": f"schedule/{inputs.get('groupName', 'default')}/{name}",
    }
    if typ == "aws:iam/role:Role":
        return f"arn:aws:iam::{account}:role/{name}"
    if typ in known:
        svc = {"cloudwatch/logGroup": "logs", "cloudwatch/eventRule": "events"}.get(
            typ.split(":")[1], service
        )
        return f"arn:aws:{svc}:{region}:{account}:{known[typ]}"
    if service in ("iam", "kms"):
        return None
    return f"arn:aws:{service}:{region}:{account}:{name}"


def _close_worker_loop() -> None:
    """Close the event loop the stock monitor opens in each worker thread.

    Left open, every worker's loop is collected later with a ResourceWarning (and pytest,
    with warnings as errors, fails an unrelated test). Only worker threads are touched:
    the program's own loop is running in the main thread.
    """
    if threading.current_thread() is threading.main_thread():
        return
    with contextlib.suppress(RuntimeError):
        loop = asyncio.get_event_loop()
        if not loop.is_running():
            loop.close()
            asyncio.set_event_loop(None)


@dataclass
class RecordedResource:
    urn: str
    type: str
    custom: bool
    id: str | None
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    provider: str = ""


class RecordingMonitor(MockMonitor):
    """The stock mock monitor, plus parent, dependencies and outputs of every resource."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded: dict[str, RecordedResource] = {}
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        from pulumi.runtime import rpc

        try:
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        finally:
            _close_worker_loop()
        if request.type == "pulumi:pulumi:Stack":
            self.recorded[response.urn] = RecordedResource(
                response.urn, request.type, False, None, "", {}, {}
            )
            return response
        inputs = rpc.deserialize_properties(request.object)
        registration = self.resources[response.urn]
        self.recorded[response.urn] = RecordedResource(
            urn=response.urn,
            type=request.type,
            custom=bool(request.custom),
            id=registration.id or None,
            parent=request.parent,
            inputs=inputs,
            outputs=dict(registration.state),
            dependencies=sorted(set(request.dependencies)),
            provider=request.provider,
        )
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        try:
            return super().Invoke(request)  # type: ignore[no-untyped-call]
        finally:
            _close_worker_loop()

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime import rpc

        self.component_outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]
