"""Stack config validation: good configs parse, bad ones name the key and the allowed range."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.config import parse_stack_config
from infra.exceptions import ConfigError
from infra.plan import load_stack_file
from rotation.contract import ALARM_DEFAULTS, DEFAULT_GRACE_SECONDS, LATENCY_ALARMS
from tests.infra.conftest import EXAMPLE, ROOT

P = "synap-keyops:"
SECRET = frozenset({f"{P}admin_key"})


def raw(instances: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    """Config as Pulumi hands it to the program: structured values as JSON strings."""
    config: dict[str, Any] = {
        f"{P}admin_key": "ciphertext-never-read",
        f"{P}instances": json.dumps(instances or [{"instance_id": "inst_1", "tier": "standard"}]),
        "aws:region": "eu-west-1",
    }
    for key, value in top.items():
        if value is None:
            config.pop(f"{P}{key}", None)
        else:
            config[f"{P}{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def test_example_stack_has_one_instance_per_tier() -> None:
    config, secret_keys, stack = load_stack_file(EXAMPLE)
    cfg = parse_stack_config(config, secret_keys)
    assert stack == "example"
    assert [(i.tier, i.rotation_days) for i in cfg.instances] == [
        ("standard", 90),
        ("high-security", 30),
    ]
    assert secret_keys == SECRET  # the admin key is a secure: value, never a literal
    assert cfg.uses_admin_key and cfg.grace_seconds == DEFAULT_GRACE_SECONDS


def test_defaults_come_from_the_contract_and_overrides_apply() -> None:
    cfg = parse_stack_config(
        raw(
            [
                {
                    "instance_id": "a",
                    "tier": 7,
                    "alarms": {"rate_limited": 3, "latency_p95_ms": {"context.fetch/fast": 250}},
                }
            ]
        ),
        SECRET,
    )
    alarms = cfg.instances[0].alarms
    assert cfg.instances[0].rotation_days == 7
    assert alarms["rate_limited"] == 3
    assert alarms["error_rate_percent"] == ALARM_DEFAULTS["error_rate_percent"]
    by_op = {(a.operation, a.mode): a.p95_ms for a in alarms.latency}
    assert by_op[("context.fetch", "fast")] == 250
    assert by_op[("memories.create", "fast")] == LATENCY_ALARMS[0].p95_ms


def test_existing_admin_secret_replaces_the_secure_value() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:synap/admin-AbCdEf"
    cfg = parse_stack_config(raw(admin_key=None, admin_secret_arn=arn), frozenset())
    assert cfg.admin_secret_arn == arn and not cfg.uses_admin_key


def inst(**fields: Any) -> list[dict[str, Any]]:
    return [{"instance_id": "inst_1", "tier": "standard", **fields}]


BAD: list[tuple[str, dict[str, Any], frozenset[str], str, str]] = [
    (
        "unknown top key",
        raw(colour="blue"),
        SECRET,
        f"{P}colour",
        "unknown key; allowed: instances",
    ),
    (
        "no instances",
        raw(instances=None) | {f"{P}instances": "[]"},
        SECRET,
        f"{P}instances",
        "at least 1",
    ),
    (
        "unknown instance key",
        raw(inst(size="xl")),
        SECRET,
        "instances[0].size",
        "allowed: instance_id",
    ),
    (
        "tier name",
        raw(inst(tier="gold")),
        SECRET,
        "instances[0].tier",
        "'standard' or 'high-security' or a number of days within 1..90, got 'gold'",
    ),
    ("tier too long", raw(inst(tier=91)), SECRET, "instances[0].tier", "within 1..90, got 91"),
    ("tier zero", raw(inst(tier=0)), SECRET, "instances[0].tier", "within 1..90, got 0"),
    (
        "error rate",
        raw(inst(alarms={"error_rate_percent": 150})),
        SECRET,
        "instances[0].alarms.error_rate_percent",
        "within 0.01..100, got 150",
    ),
    (
        "auth failures",
        raw(inst(alarms={"auth_failures": 0})),
        SECRET,
        "instances[0].alarms.auth_failures",
        "within 1..1e+06",
    ),
    (
        "period",
        raw(inst(alarms={"error_rate_period_seconds": 90})),
        SECRET,
        "error_rate_period_seconds",
        "multiple of 60",
    ),
    (
        "unknown alarm",
        raw(inst(alarms={"p99": 1})),
        SECRET,
        "instances[0].alarms.p99",
        "allowed: error_rate_percent",
    ),
    (
        "latency key",
        raw(inst(alarms={"latency_p95_ms": {"search/fast": 1}})),
        SECRET,
        "latency_p95_ms.search/fast",
        "allowed: memories.create/fast",
    ),
    ("plaintext admin key", raw(), frozenset(), f"{P}admin_key", "must be a secure value"),
    (
        "no admin credential",
        raw(admin_key=None),
        SECRET,
        f"{P}admin_key",
        "exactly one of admin_key",
    ),
    (
        "both credentials",
        raw(admin_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf"),
        SECRET,
        f"{P}admin_key",
        "exactly one",
    ),
    (
        "bad admin arn",
        raw(admin_key=None, admin_secret_arn="synap/admin"),
        frozenset(),
        "admin_secret_arn",
        "secret ARN",
    ),
    (
        "other secure key",
        raw(api_url="https://x.example"),
        SECRET | {f"{P}api_url"},
        f"{P}api_url",
        "only admin_key may be a secure value",
    ),
    (
        "duplicate instance",
        raw([{"instance_id": "a"}, {"instance_id": "a"}]),
        SECRET,
        "instances[1].instance_id",
        "duplicate",
    ),
    ("instance id", raw([{"instance_id": "a b"}]), SECRET, "instances[0].instance_id", "1..64 of"),
    (
        "region",
        raw(inst(replica_regions=["mars-1"])),
        SECRET,
        "instances[0].replica_regions[0]",
        "not an AWS region",
    ),
    (
        "deployer",
        raw(inst(deployers=[{"type": "ecs", "cluster": "c"}])),
        SECRET,
        "instances[0].deployers[0]",
        "{type: ecs, cluster, services}",
    ),
    (
        "retention",
        raw(log_retention_days=8),
        SECRET,
        "log_retention_days",
        "must be one of 1, 3, 5",
    ),
    ("grace", raw(grace_seconds=3600), SECRET, "grace_seconds", "within 172800..2592000, got 3600"),
    (
        "timeout",
        raw(lambda_timeout_seconds=901),
        SECRET,
        "lambda_timeout_seconds",
        "within 60..900",
    ),
    ("http url", raw(api_url="http://synap.example"), SECRET, "api_url", "https://"),
    (
        "vpc",
        raw(vpc={"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-0123456789abcdef0"]}),
        SECRET,
        "vpc.security_group_ids",
        "required when vpc is set",
    ),
    ("json", raw() | {f"{P}instances": "[{"}, SECRET, f"{P}instances", "not valid JSON"),
]


@pytest.mark.parametrize(
    ("config", "secret_keys", "key", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_config_names_the_key_and_the_allowed_values(
    config: dict[str, Any], secret_keys: frozenset[str], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_stack_config(config, secret_keys)
    text = str(err.value)
    assert key in err.value.key and key in text
    assert message in text
    assert "\n" not in text


def test_bad_config_gives_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(
        "config:\n  synap-keyops:admin_key:\n    secure: v1:x\n"
        "  synap-keyops:instances:\n    - instance_id: a\n      tier: gold\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "infra.plan", str(bad), "--output", str(tmp_path / "p.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: synap-keyops:instances[0].tier: must be 'standard' or 'high-security' or a "
        "number of days within 1..90, got 'gold'"
    ]
    assert not (tmp_path / "p.json").exists()


def test_every_contract_threshold_has_a_validated_range() -> None:
    from infra.config import ALARM_RANGES

    assert set(ALARM_RANGES) == set(ALARM_DEFAULTS)
    for key, (low, high) in ALARM_RANGES.items():
        assert low <= ALARM_DEFAULTS[key] <= high, key


def test_a_missing_stack_file_is_a_usage_error(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infra.plan", str(tmp_path / "Pulumi.none.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "cannot read stack config" in out.stderr
    assert "Traceback" not in out.stderr
