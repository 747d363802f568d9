"""boto3 adapters: the clients, Secrets Manager and CloudWatch metrics (Scheduler: ``scheduler``).

Clients are built lazily from one boto3 session, so importing this module costs no
client and the Lambda pays only for what an action uses. Endpoints come from boto3's
own ``AWS_ENDPOINT_URL``, so the same code talks to AWS and to a moto server.
``ClientError`` and botocore transport errors are translated here into
:class:`~rotation.exceptions.AwsError` (``raise ... from exc``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rotation.contract import ROTATION_METRICS, ROTATION_NAMESPACE, SECRET_DIMENSION
from rotation.engine.model import SecretMeta
from rotation.exceptions import AwsError

__all__ = [
    "AwsClients",
    "Metrics",
    "SecretsStore",
    "aws_errors",
]

log = logging.getLogger("rotation.engine")

#: Error codes AWS documents as retryable; everything else is permanent.
_TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "InternalServiceError",
    "InternalFailure",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
}


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """Translate botocore failures raised inside the block into AwsError."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId")
        transient = code in _TRANSIENT_CODES or (isinstance(status, int) and status >= 500)
        raise AwsError(
            f"{what} failed: {code}",
            transient=transient,
            code=code,
            status_code=status if isinstance(status, int) else None,
            correlation_id=request_id or None,
        ) from exc
    except BotoCoreError as exc:
        raise AwsError(f"{what} failed: {type(exc).__name__}", transient=True) from exc


@dataclass
class AwsClients:
    """Lazily built boto3 clients sharing one session and a call counter."""

    session: Any = None
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 3
    #: Hooks ``(service, operation)`` run before every API call (counting, fault tests).
    before_call: list[Callable[[str, str], None]] = field(default_factory=list)
    #: Called with every client made (tests register botocore event handlers here).
    on_client: list[Callable[[Any], None]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            if self.session is None:
                self.session = boto3.session.Session()
            config = Config(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries={"mode": "standard", "max_attempts": self.max_attempts},
            )
            made = self.session.client(service, config=config)
            made.meta.events.register("before-call.*.*", self._on_call)
            for hook in self.on_client:
                hook(made)
            self._clients[service] = made
        return self._clients[service]

    def _on_call(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        self.calls[name] = self.calls.get(name, 0) + 1
        for hook in self.before_call:
            hook(model.service_model.service_name, model.name)


class SecretsStore:
    """Secrets Manager operations the engine needs, errors translated."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients
        #: A version's value never changes once written, so reads by version id are cached
        #: (callers check the version's stages with DescribeSecret first).
        self._values: dict[tuple[str, str], str] = {}

    @property
    def _sm(self) -> Any:
        return self._clients.client("secretsmanager")

    def describe(self, secret_id: str) -> SecretMeta:
        with aws_errors(f"DescribeSecret {secret_id}"):
            data = self._sm.describe_secret(SecretId=secret_id)
        return _meta(data)

    def list_managed(self, tag_key: str) -> list[SecretMeta]:
        """Every secret carrying ``tag_key``, built from the ListSecrets pages alone.

        A ListSecrets entry carries what DescribeSecret does for a report (stages as
        ``SecretVersionsToStages``, tags, rotation dates and rules): no call per secret.
        """
        metas: list[SecretMeta] = []
        with aws_errors("ListSecrets"):
            pages = self._sm.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "tag-key", "Values": [tag_key]}]
            )
            for page in pages:
                metas.extend(_meta(entry) for entry in page.get("SecretList", []))
        return metas

    def get_value(self, secret_id: str, *, stage: str, version_id: str | None = None) -> str | None:
        """The SecretString at ``stage`` (and ``version_id``), or None if it has no value.

        The stage is always named: moto can return a stale version after a stage move
        when only the id is given.
        """
        from botocore.exceptions import ClientError

        kwargs: dict[str, str] = {"SecretId": secret_id, "VersionStage": stage}
        if version_id is not None:
            kwargs["VersionId"] = version_id
            if (secret_id, version_id) in self._values:
                return self._values[(secret_id, version_id)]
        with aws_errors(f"GetSecretValue {secret_id} {stage}"):
            try:
                data = self._sm.get_secret_value(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return None
                raise
        value = data.get("SecretString")
        if value is None:
            return None
        self._values[(secret_id, str(data["VersionId"]))] = str(value)
        if data.get("ARN"):
            self._values[(str(data["ARN"]), str(data["VersionId"]))] = str(value)
        return str(value)

    def get_version_value(self, secret_id: str, version_id: str) -> str | None:
        """A version's value by id alone: for versions that carry no staging label."""
        from botocore.exceptions import ClientError

        with aws_errors(f"GetSecretValue {secret_id} {version_id}"):
            try:
                data = self._sm.get_secret_value(SecretId=secret_id, VersionId=version_id)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code in ("ResourceNotFoundException", "InvalidRequestException"):
                    return None
                raise
        value = data.get("SecretString")
        return str(value) if value is not None else None

    def put_pending(self, secret_id: str, token: str, value: str) -> None:
        with aws_errors(f"PutSecretValue {secret_id} AWSPENDING"):
            self._sm.put_secret_value(
                SecretId=secret_id,
                ClientRequestToken=token,
                SecretString=value,
                VersionStages=["AWSPENDING"],
            )
        self._values[(secret_id, token)] = value

    def put_current(self, secret_id: str, token: str, value: str) -> None:
        with aws_errors(f"PutSecretValue {secret_id} AWSCURRENT"):
            self._sm.put_secret_value(
                SecretId=secret_id,
                ClientRequestToken=token,
                SecretString=value,
                VersionStages=["AWSCURRENT"],
            )

    def move_stage(
        self, secret_id: str, stage: str, *, to: str | None = None, remove_from: str | None = None
    ) -> None:
        kwargs: dict[str, str] = {"SecretId": secret_id, "VersionStage": stage}
        if to is not None:
            kwargs["MoveToVersionId"] = to
        if remove_from is not None:
            kwargs["RemoveFromVersionId"] = remove_from
        with aws_errors(f"UpdateSecretVersionStage {secret_id} {stage}"):
            self._sm.update_secret_version_stage(**kwargs)

    def list_versions(self, secret_id: str) -> list[tuple[str, list[str], float | None]]:
        """``[(version_id, stages, created epoch)]`` including deprecated (unlabelled) ones."""
        out: list[tuple[str, list[str], float | None]] = []
        kwargs: dict[str, Any] = {"SecretId": secret_id, "IncludeDeprecated": True}
        while True:
            with aws_errors(f"ListSecretVersionIds {secret_id}"):
                page = self._sm.list_secret_version_ids(**kwargs)
            for version in page.get("Versions", []):
                created = version.get("CreatedDate")
                out.append(
                    (
                        version["VersionId"],
                        list(version.get("VersionStages") or []),
                        created.timestamp() if created else None,
                    )
                )
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return out

    def tag(self, secret_id: str, tags: Mapping[str, str]) -> None:
        with aws_errors(f"TagResource {secret_id}"):
            self._sm.tag_resource(
                SecretId=secret_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def untag(self, secret_id: str, keys: list[str]) -> None:
        with aws_errors(f"UntagResource {secret_id}"):
            self._sm.untag_resource(SecretId=secret_id, TagKeys=keys)

    def create(self, name: str, tags: Mapping[str, str]) -> None:
        """Create an empty secret (no value yet) with ``tags``."""
        with aws_errors(f"CreateSecret {name}"):
            self._sm.create_secret(
                Name=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def rotate(self, secret_id: str, token: str | None = None) -> str:
        kwargs: dict[str, str] = {"SecretId": secret_id}
        if token:
            kwargs["ClientRequestToken"] = token
        with aws_errors(f"RotateSecret {secret_id}"):
            return str(self._sm.rotate_secret(**kwargs).get("VersionId", ""))

    def list_tagged(self, tag_key: str) -> list[str]:
        """Names of secrets carrying ``tag_key``."""
        names: list[str] = []
        with aws_errors("ListSecrets"):
            pages = self._sm.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "tag-key", "Values": [tag_key]}]
            )
            for page in pages:
                names.extend(s["Name"] for s in page.get("SecretList", []))
        return names


def _meta(data: Mapping[str, Any]) -> SecretMeta:
    """A SecretMeta from a DescribeSecret answer or a ListSecrets entry."""
    rules = data.get("RotationRules") or {}
    stages = data.get("VersionIdsToStages") or data.get("SecretVersionsToStages") or {}
    return SecretMeta(
        arn=data["ARN"],
        name=data["Name"],
        rotation_enabled=bool(data.get("RotationEnabled")),
        versions={k: list(v) for k, v in stages.items()},
        tags={t["Key"]: t["Value"] for t in data.get("Tags") or []},
        last_rotated=data.get("LastRotatedDate"),
        next_rotation=data.get("NextRotationDate"),
        rotation_days=rules.get("AutomaticallyAfterDays"),
        created=data.get("CreatedDate"),
    )


_METRIC_BATCH = 1000


class Metrics:
    """Rotation metrics (namespace and names from the contract). Never raises."""

    def __init__(self, clients: AwsClients, *, enabled: bool = True) -> None:
        self._clients = clients
        self.enabled = enabled
        self.sent: list[tuple[str, str, float]] = []

    def put(self, name: str, secret_id: str, value: float = 1.0) -> None:
        self.put_many([(name, secret_id, value)])

    def put_many(self, points: Sequence[tuple[str, str, float]]) -> None:
        """Send ``(metric, secret id, value)`` points, up to 1,000 per PutMetricData call."""
        for name, _, _ in points:
            if name not in ROTATION_METRICS:
                raise ValueError(f"unknown rotation metric {name!r}")
        self.sent.extend(points)
        if not self.enabled:
            return
        for start in range(0, len(points), _METRIC_BATCH):
            data = [
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": SECRET_DIMENSION, "Value": secret_id}],
                    "Value": value,
                    "Unit": ROTATION_METRICS[name],
                }
                for name, secret_id, value in points[start : start + _METRIC_BATCH]
            ]
            try:
                with aws_errors("PutMetricData"):
                    self._clients.client("cloudwatch").put_metric_data(
                        Namespace=ROTATION_NAMESPACE, MetricData=data
                    )
            except AwsError as exc:
                # A metric is not worth failing a rotation for; the log line still carries it.
                log.warning("metrics %s not sent: %s", data[0]["MetricName"], exc.message)
