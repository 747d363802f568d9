"""Stack config: parse and validate the `synap-keyops:*` keys into typed, frozen dataclasses.

Pure: takes the raw key -> value map Pulumi hands the program (structured values arrive as
JSON strings) and the set of keys marked `secure:`. Every error is a `ConfigError` whose
message names the key and the allowed values, for example::

    synap-keyops:instances[1].tier: must be 'standard', 'high-security' or a number of days
    within 1..90, got 'gold'

The admin credential's *value* is never read here: only whether it is set and secure. The
program fetches it with `pulumi.Config.require_secret`, so it stays a Pulumi secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from infra.exceptions import ConfigError
from infra.readers import as_int, as_list, as_number, as_str, decode, no_unknown_keys
from rotation.contract import (
    ALARM_DEFAULTS,
    DEFAULT_GRACE_SECONDS,
    DEPLOYERS_SCHEMA,
    LATENCY_ALARMS,
    MAX_ROTATION_DAYS,
    MIN_GRACE_SECONDS,
    TIER_DAYS,
    LatencyAlarm,
    rotation_days,
)

__all__ = [
    "LOG_RETENTION_DAYS",
    "PROJECT",
    "AlarmThresholds",
    "InstanceConfig",
    "StackConfig",
    "VpcConfig",
    "parse_stack_config",
]

PROJECT = "synap-keyops"
#: Values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
#: (minimum, maximum) per alarm threshold key of `rotation.contract.ALARM_DEFAULTS`.
ALARM_RANGES: dict[str, tuple[float, float]] = {
    "error_rate_percent": (0.01, 100.0),
    "error_rate_period_seconds": (60, 3600),
    "auth_failures": (1, 1_000_000),
    "auth_failures_period_seconds": (60, 3600),
    "rate_limited": (0, 1_000_000),
    "zero_results": (0, 1_000_000),
    "rotation_overdue_grace_days": (0, 30),
}
_PERIOD_KEYS = ("error_rate_period_seconds", "auth_failures_period_seconds")
_INSTANCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$")
_AWS_ID = re.compile(r"^(subnet|sg|vpc)-[0-9a-f]{8,17}$")
_SCHEDULE = re.compile(r"^(rate|cron)\(.+\)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DEPLOYER_ITEM_SCHEMA: dict[str, Any] = DEPLOYERS_SCHEMA["additionalProperties"]  # type: ignore[assignment]


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds of one instance: the checklist defaults with the stack's overrides."""

    values: Mapping[str, float]
    latency: tuple[LatencyAlarm, ...]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


@dataclass(frozen=True)
class InstanceConfig:
    """One Synap instance whose API key the stack manages."""

    instance_id: str
    tier: str | int
    rotation_days: int
    deployers: tuple[Mapping[str, Any], ...]
    alarms: AlarmThresholds
    replica_regions: tuple[str, ...] = ()
    webhook_secret: bool = True


@dataclass(frozen=True)
class VpcConfig:
    """Optional VPC placement of the rotation Lambda."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    #: A rotation Lambda in a VPC without a Secrets Manager endpoint times out silently.
    create_endpoint: bool = True


@dataclass(frozen=True)
class StackConfig:
    """The whole validated stack config."""

    instances: tuple[InstanceConfig, ...]
    api_url: str = "https://api.maximem.ai"
    admin_secret_arn: str | None = None
    admin_key_version: int = 1
    grace_seconds: int = DEFAULT_GRACE_SECONDS
    secret_prefix: str = "synap"  # noqa: S105 (a name prefix)
    alarm_email: str | None = None
    log_retention_days: int = 90
    lambda_memory_mb: int = 512
    lambda_timeout_seconds: int = 900
    reserved_concurrency: int = 5
    sweep_schedule: str = "cron(0 3 * * ? *)"
    lambda_zip: str = "build/rotation-lambda.zip"
    vpc: VpcConfig | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def uses_admin_key(self) -> bool:
        """True when the admin credential comes from the `secure:` value `admin_key`."""
        return self.admin_secret_arn is None


_TOP_KEYS = (
    "instances",
    "api_url",
    "admin_key",
    "admin_key_version",
    "admin_secret_arn",
    "grace_seconds",
    "secret_prefix",
    "alarm_email",
    "log_retention_days",
    "lambda_memory_mb",
    "lambda_timeout_seconds",
    "reserved_concurrency",
    "sweep_schedule",
    "lambda_zip",
    "vpc",
    "tags",
)
_INSTANCE_KEYS = ("instance_id", "tier", "deployers", "alarms", "replica_regions", "webhook_secret")
_ALARM_KEYS = (*ALARM_DEFAULTS, "latency_p95_ms")
_VPC_KEYS = ("vpc_id", "subnet_ids", "security_group_ids", "create_endpoint")


def parse_stack_config(
    raw: Mapping[str, Any], secret_keys: frozenset[str] = frozenset()
) -> StackConfig:
    """Validate the raw Pulumi config of the project namespace into a `StackConfig`.

    `raw` maps full keys (``synap-keyops:instances``) to values; keys of other namespaces
    (``aws:region``) are ignored. Structured values may be JSON strings, as Pulumi passes them.

    >>> cfg = parse_stack_config({"synap-keyops:instances": '[{"instance_id": "a", "tier": 14}]',
    ...     "synap-keyops:admin_key": "x"}, frozenset({"synap-keyops:admin_key"}))
    >>> cfg.instances[0].rotation_days
    14
    """
    prefix = f"{PROJECT}:"
    ours = {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
    no_unknown_keys(ours, _TOP_KEYS, prefix)
    _admin_credential(ours, secret_keys)
    for key in ours:
        if f"{prefix}{key}" in secret_keys and key != "admin_key":
            raise ConfigError(f"{prefix}{key}", "only admin_key may be a secure value")
    # Checked in this order, so a config with several mistakes always reports the same one.
    instances = _instances(ours)
    api_url, secret_prefix, email = _endpoints(ours)
    retention, schedule, tags = _logs_sweep_and_tags(ours)

    def number(key: str, default: int, low: int, high: int) -> int:
        return as_int(ours.get(key, default), _k(key), low, high)

    return StackConfig(
        instances=instances,
        api_url=api_url,
        admin_secret_arn=ours.get("admin_secret_arn"),
        admin_key_version=number("admin_key_version", 1, 1, 10**6),
        grace_seconds=number(
            "grace_seconds", DEFAULT_GRACE_SECONDS, MIN_GRACE_SECONDS, 30 * 86_400
        ),
        secret_prefix=secret_prefix,
        alarm_email=email,
        log_retention_days=retention,
        lambda_memory_mb=number("lambda_memory_mb", 512, 128, 10240),
        lambda_timeout_seconds=number("lambda_timeout_seconds", 900, 60, 900),
        reserved_concurrency=number("reserved_concurrency", 5, 1, 100),
        sweep_schedule=schedule,
        lambda_zip=as_str(ours.get("lambda_zip", StackConfig.lambda_zip), _k("lambda_zip")),
        vpc=_vpc(ours["vpc"], _k("vpc")) if "vpc" in ours else None,
        tags=tags,
    )


def _k(name: str) -> str:
    return f"{PROJECT}:{name}"


def _instances(ours: Mapping[str, Any]) -> tuple[InstanceConfig, ...]:
    if "instances" not in ours:
        raise ConfigError(_k("instances"), "required: a list of Synap instances")
    instances = as_list(decode(ours["instances"], _k("instances")), _k("instances"), min_items=1)
    parsed = tuple(_instance(item, f"{_k('instances')}[{i}]") for i, item in enumerate(instances))
    seen: set[str] = set()
    for i, inst in enumerate(parsed):
        if inst.instance_id in seen:
            raise ConfigError(
                f"{_k('instances')}[{i}].instance_id", f"duplicate instance {inst.instance_id!r}"
            )
        seen.add(inst.instance_id)
    return parsed


def _endpoints(ours: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(api_url, secret_prefix, alarm_email)."""
    api_url = as_str(ours.get("api_url", StackConfig.api_url), _k("api_url"))
    if not api_url.startswith("https://") and not api_url.startswith("http://127.0.0.1"):
        raise ConfigError(_k("api_url"), f"must be an https:// URL, got {api_url!r}")
    prefix = as_str(ours.get("secret_prefix", StackConfig.secret_prefix), _k("secret_prefix"))
    if not re.fullmatch(r"[A-Za-z0-9_+=.@-]+(/[A-Za-z0-9_+=.@-]+)*", prefix):
        raise ConfigError(_k("secret_prefix"), "must be path segments of A-Z a-z 0-9 _+=.@-")
    email = ours.get("alarm_email")
    if email is not None and not _EMAIL.match(as_str(email, _k("alarm_email"))):
        raise ConfigError(_k("alarm_email"), f"must be an email address, got {email!r}")
    return api_url, prefix, email


def _logs_sweep_and_tags(ours: Mapping[str, Any]) -> tuple[int, str, dict[str, str]]:
    """(log_retention_days, sweep_schedule, tags)."""
    retention = as_int(ours.get("log_retention_days", 90), _k("log_retention_days"), 1, 3653)
    if retention not in LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, LOG_RETENTION_DAYS))
        raise ConfigError(_k("log_retention_days"), f"must be one of {allowed}, got {retention}")
    schedule = as_str(ours.get("sweep_schedule", StackConfig.sweep_schedule), _k("sweep_schedule"))
    if not _SCHEDULE.match(schedule):
        raise ConfigError(_k("sweep_schedule"), f"must be rate(...) or cron(...), got {schedule!r}")
    tags = decode(ours.get("tags", {}), _k("tags"))
    if not isinstance(tags, dict) or not all(
        isinstance(t, str) and isinstance(v, str) for t, v in tags.items()
    ):
        raise ConfigError(_k("tags"), "must be a map of string to string")
    return retention, schedule, dict(tags)


def _admin_credential(ours: Mapping[str, Any], secret_keys: frozenset[str]) -> None:
    key, arn = f"{PROJECT}:admin_key", f"{PROJECT}:admin_secret_arn"
    if ("admin_key" in ours) == ("admin_secret_arn" in ours):
        raise ConfigError(
            key,
            "set exactly one of admin_key (pulumi config set --secret admin_key) "
            "or admin_secret_arn (an existing Secrets Manager secret)",
        )
    if "admin_key" in ours and key not in secret_keys:
        # A plaintext admin key in Pulumi.<stack>.yaml is exactly the leak this tool prevents.
        raise ConfigError(key, "must be a secure value: pulumi config set --secret admin_key")
    if "admin_secret_arn" in ours and not _SECRET_ARN.match(str(ours["admin_secret_arn"])):
        raise ConfigError(arn, "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...)")


def _instance(item: Any, where: str) -> InstanceConfig:
    if not isinstance(item, dict):
        raise ConfigError(where, f"must be a map with keys {', '.join(_INSTANCE_KEYS)}")
    no_unknown_keys(item, _INSTANCE_KEYS, where + ".")
    if "instance_id" not in item:
        raise ConfigError(f"{where}.instance_id", "required")
    instance_id = as_str(item["instance_id"], f"{where}.instance_id")
    if not _INSTANCE_ID.match(instance_id):
        raise ConfigError(f"{where}.instance_id", "must be 1..64 of A-Z a-z 0-9 _ -")
    tier = item.get("tier", "standard")
    try:
        days = rotation_days(tier)
    except ValueError:
        raise ConfigError(
            f"{where}.tier",
            f"must be {' or '.join(repr(t) for t in TIER_DAYS)} or a number of days within "
            f"1..{MAX_ROTATION_DAYS}, got {tier!r}",
        ) from None
    deployers = item.get("deployers", [{"type": "none"}])
    try:
        jsonschema.validate(deployers, _DEPLOYER_ITEM_SCHEMA)
    except jsonschema.ValidationError as exc:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path)
        raise ConfigError(
            f"{where}.deployers{path}",
            "must be a list of deployers: {type: none, ttl_seconds} | {type: ecs, cluster, "
            "services} | {type: lambda, functions} | {type: http, url, signing_secret_id}",
        ) from None
    regions = tuple(as_list(item.get("replica_regions", []), f"{where}.replica_regions"))
    for i, region in enumerate(regions):
        if not isinstance(region, str) or not _REGION.match(region):
            raise ConfigError(f"{where}.replica_regions[{i}]", f"not an AWS region: {region!r}")
    webhook = item.get("webhook_secret", True)
    if not isinstance(webhook, bool):
        raise ConfigError(f"{where}.webhook_secret", "must be true or false")
    return InstanceConfig(
        instance_id=instance_id,
        tier=tier,
        rotation_days=days,
        deployers=tuple(deployers),
        alarms=_alarms(item.get("alarms", {}), f"{where}.alarms"),
        replica_regions=regions,
        webhook_secret=webhook,
    )


def _alarms(raw: Any, where: str) -> AlarmThresholds:
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be a map with keys {', '.join(_ALARM_KEYS)}")
    no_unknown_keys(raw, _ALARM_KEYS, where + ".")
    values = dict(ALARM_DEFAULTS)
    for key, value in raw.items():
        if key == "latency_p95_ms":
            continue
        low, high = ALARM_RANGES.get(key, (0.0, float("inf")))
        number = as_number(value, f"{where}.{key}", low, high)
        if key in _PERIOD_KEYS and number % 60:
            raise ConfigError(f"{where}.{key}", f"must be a multiple of 60, got {value!r}")
        values[key] = number
    latency = _latency(raw.get("latency_p95_ms", {}), f"{where}.latency_p95_ms")
    return AlarmThresholds(values=values, latency=latency)


def _latency(raw: Any, where: str) -> tuple[LatencyAlarm, ...]:
    by_key = {f"{a.operation}/{a.mode}": a for a in LATENCY_ALARMS}
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be a map with keys {', '.join(by_key)}")
    no_unknown_keys(raw, tuple(by_key), where + ".")
    out = []
    for key, alarm in by_key.items():
        ms = raw.get(key, alarm.p95_ms)
        out.append(
            LatencyAlarm(alarm.operation, alarm.mode, as_number(ms, f"{where}.{key}", 1, 60_000))
        )
    return tuple(out)


def _vpc(raw: Any, where: str) -> VpcConfig:
    raw = decode(raw, where)
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be a map with keys {', '.join(_VPC_KEYS)}")
    no_unknown_keys(raw, _VPC_KEYS, where + ".")
    for key in ("vpc_id", "subnet_ids", "security_group_ids"):
        if key not in raw:
            raise ConfigError(f"{where}.{key}", "required when vpc is set")
    ids: dict[str, tuple[str, ...]] = {}
    for key in ("subnet_ids", "security_group_ids"):
        values = as_list(raw[key], f"{where}.{key}", min_items=1)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not _AWS_ID.match(value):
                raise ConfigError(f"{where}.{key}[{i}]", f"not an AWS id: {value!r}")
        ids[key] = tuple(values)
    vpc_id = as_str(raw["vpc_id"], f"{where}.vpc_id")
    if not _AWS_ID.match(vpc_id):
        raise ConfigError(f"{where}.vpc_id", f"not a VPC id: {vpc_id!r}")
    create = raw.get("create_endpoint", True)
    if not isinstance(create, bool):
        raise ConfigError(f"{where}.create_endpoint", "must be true or false")
    return VpcConfig(vpc_id, ids["subnet_ids"], ids["security_group_ids"], create)
