"""Configuration from the environment, secret values, deployer construction."""

from __future__ import annotations

import json

import pytest

from rotation.contract import DEFAULT_GRACE_SECONDS, ENV
from rotation.deployers import EcsDeployer, HttpDeployer, LambdaDeployer, NoneDeployer, build
from rotation.deployers.ecs import is_stable
from rotation.deployers.http import sign
from rotation.engine.config import Config, deployers_for, parse_deployers
from rotation.engine.values import KeyValue, parse_admin_key, parse_key_value
from rotation.exceptions import ConfigError, DeployError, SecretValueError

KEY = "synap_" + "a1B2" * 14 + "zz"
BASE = {ENV.api_url: "http://127.0.0.1:1", ENV.admin_secret_id: "admin"}


def test_defaults_and_overrides() -> None:
    config = Config.from_env(BASE)
    assert config.grace_seconds == DEFAULT_GRACE_SECONDS
    assert config.deployers == {} and config.revoke_target_arn is None
    assert Config.from_env(BASE, api_url="http://x").api_url == "http://x"
    assert Config.from_env({**BASE, ENV.grace_seconds: "60"}).grace_seconds == 60


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({ENV.admin_secret_id: "a"}, "SYNAP_API_URL"),
        ({ENV.api_url: "http://x"}, "SYNAP_ADMIN_SECRET_ID"),
        ({**BASE, ENV.grace_seconds: "two days"}, "whole number"),
        ({**BASE, ENV.deployers: "{"}, "not valid JSON"),
        ({**BASE, ENV.deployers: '{"*": [{"type": "ecs", "cluster": "c"}]}'}, "SYNAP_DEPLOYERS"),
    ],
)
def test_bad_environment(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_deployers_per_secret_with_a_default() -> None:
    config = parse_deployers(
        json.dumps(
            {
                "synap/prod": [{"type": "ecs", "cluster": "c", "services": ["api"]}],
                "*": [{"type": "none", "ttl_seconds": 300}],
            }
        )
    )
    assert isinstance(build(deployers_for(config, "synap/prod")[0]), EcsDeployer)
    [default] = [build(c) for c in deployers_for(config, "other", "arn:other")]
    assert isinstance(default, NoneDeployer) and default.slow
    assert not LambdaDeployer(["f"]).slow and not HttpDeployer("http://h", "s").slow


def test_key_value_parsing_never_echoes_the_value() -> None:
    raw = json.dumps(
        {"api_key": KEY, "key_id": "k", "instance_id": "i", "label": "l", "created_at": "t"}
    )
    value = parse_key_value(raw)
    assert isinstance(value, KeyValue) and KEY not in repr(value)
    assert json.loads(value.to_json())["api_key"] == KEY
    for bad in ("", "[]", '{"api_key": "x"', raw.replace(KEY, "synap_short")):
        with pytest.raises(SecretValueError) as info:
            parse_key_value(bad)
        assert KEY not in str(info.value) and "synap_short" not in str(info.value)
    assert parse_admin_key('{"admin_key": "adm"}') == "adm"
    with pytest.raises(SecretValueError):
        parse_admin_key('{"key": "adm"}')


def test_ecs_stability_and_http_signature() -> None:
    assert is_stable({"deployments": [{"status": "PRIMARY"}], "runningCount": 2, "desiredCount": 2})
    assert not is_stable({"deployments": [{}, {}], "runningCount": 2, "desiredCount": 2})
    with pytest.raises(DeployError):
        is_stable({"serviceName": "api", "deployments": [{"rolloutState": "FAILED"}]})
    assert sign(b"k", "1", b"{}") == sign(b"k", "1", b"{}") != sign(b"k", "2", b"{}")
