"""The consumer package's public surface, error tree and AWS error mapping; what it never shows."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

import rotation.consumer
from rotation.consumer import exceptions
from rotation.consumer.secrets import SecretsManagerReader
from rotation.keys import generate_key


def test_error_tree_is_rooted_with_transient_flags() -> None:
    errors = [getattr(exceptions, n) for n in exceptions.__all__]
    assert all(issubclass(e, exceptions.ConsumerError) for e in errors)
    assert {e.__name__ for e in errors if e.transient} == {"SecretUnavailableError"}
    assert set(rotation.consumer.__all__) >= {e.__name__ for e in errors}
    verification = [e for e in errors if issubclass(e, exceptions.WebhookVerificationError)]
    assert len(verification) == 5 and not any(e.transient for e in verification)


def test_importing_the_consumer_pulls_no_pulumi_typer_rich_or_boto3_session() -> None:
    code = (
        "import sys, rotation.consumer;"
        "bad = [m for m in ('pulumi', 'typer', 'pulumi_aws', 'boto3') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


class FailingClient:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def get_secret_value(self, **_: Any) -> dict[str, Any]:
        raise self.exc


def client_error(code: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "req-123"},
    }
    return ClientError(response, "GetSecretValue")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (client_error("ResourceNotFoundException", 400), exceptions.SecretNotFoundError),
        (client_error("AccessDeniedException", 400), exceptions.SecretAccessDeniedError),
        (client_error("DecryptionFailure", 400), exceptions.SecretAccessDeniedError),
        (client_error("ThrottlingException", 400), exceptions.SecretUnavailableError),
        (client_error("InternalServiceError", 500), exceptions.SecretUnavailableError),
        (client_error("InvalidRequestException", 400), exceptions.SecretLoadError),
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            exceptions.SecretUnavailableError,
        ),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), exceptions.SecretUnavailableError),
    ],
)
def test_every_aws_failure_maps_into_the_tree(exc: Exception, expected: type[Exception]) -> None:
    reader = SecretsManagerReader(FailingClient(exc))  # type: ignore[arg-type]
    with pytest.raises(expected) as info:
        reader.read("synap/prod/api-key", "AWSCURRENT")
    assert type(info.value) is expected
    assert info.value.__cause__ is exc
    assert "synap/prod/api-key" in str(info.value)
    if isinstance(exc, ClientError):
        assert isinstance(info.value, exceptions.ConsumerError)
        assert info.value.correlation_id == "req-123"


class OkClient:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, **kw: Any) -> dict[str, Any]:
        assert kw["VersionStage"] in ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS")
        return {
            "VersionId": "v1",
            "SecretString": self.value,
            "CreatedDate": datetime(2027, 1, 1, tzinfo=UTC),
        }


def test_no_key_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    key = generate_key()
    reader = SecretsManagerReader(OkClient(f'{{"api_key": "{key}", "key_id": "k1"}}'))  # type: ignore[arg-type]
    provider = rotation.consumer.KeyProvider("synap/prod/api-key", reader=reader)
    with caplog.at_level(logging.DEBUG):
        loaded = provider.get()
        version = reader.read("synap/prod/api-key")
    shown = " ".join(
        [
            repr(loaded),
            str(loaded),
            repr(provider),
            repr(reader),
            repr(version),
            repr(provider.cache),
        ]
    )
    assert key not in shown and key not in caplog.text
    assert "synap_" in repr(loaded)  # the redacted preview
    assert loaded.api_key == key


def test_webhook_strategy_mints_32_random_bytes_and_never_shows_them() -> None:
    from rotation.engine.strategies.webhook import WebhookSecretStrategy, fingerprint
    from rotation.exceptions import SecretValueError

    def no_synap() -> Any:
        raise AssertionError("minting a signing secret needs no Synap call")

    strategy = WebhookSecretStrategy(no_synap, clock=lambda: 1_800_000_000.0)
    made = strategy.mint("inst_1", "keyops-token")
    assert len(bytes.fromhex(made.signing_secret)) == 32
    assert made.key_id == fingerprint(made.signing_secret)
    assert made.created_at == "2027-01-15T08:00:00.000000Z"
    assert made.signing_secret not in repr(made)
    assert strategy.parse(made.to_json()) == made
    assert strategy.mint("inst_1", "keyops-token").signing_secret != made.signing_secret
    for bad in (
        None,
        "",
        "[]",
        '{"signing_secret": "short", "instance_id": "i", "created_at": "t"}',
    ):
        with pytest.raises(SecretValueError) as info:
            strategy.parse(bad)
        assert "short" not in str(info.value)
