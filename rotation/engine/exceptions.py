"""Errors of the rotation engine, rooted in :class:`rotation.exceptions.SynapError`.

One tree for the whole ``rotation`` package, transient apart from permanent::

    SynapError                       (rotation.exceptions)
    └── RotationError                an engine operation failed
        ├── ConfigError              permanent: missing or bad environment / deployer config
        ├── SecretValueError         permanent: a secret value is not the JSON DESIGN.md gives
        ├── StepError                permanent: the event breaks the rotation protocol
        ├── RotationInProgressError  permanent: another version already holds AWSPENDING
        ├── AwsError                 AWS call failed (transient for throttling, 5xx, network)
        ├── DeployError              a deployer failed (transient)
        └── VerifyError              the new key was not accepted or not used in the window

Messages never carry a secret value: they name secret ids, version ids and key ids only.
"""

from __future__ import annotations

from rotation.exceptions import SynapError

__all__ = [
    "AwsError",
    "ConfigError",
    "DeployError",
    "RotationError",
    "RotationInProgressError",
    "SecretValueError",
    "StepError",
    "VerifyError",
]


class RotationError(SynapError):
    """Base of every rotation-engine error."""

    default_code = "rotation_error"


class ConfigError(RotationError):
    """The engine's configuration (environment, deployer JSON) is missing or invalid."""

    default_code = "config_error"


class SecretValueError(RotationError):
    """A secret's value is malformed; the secret is left as it was."""

    default_code = "malformed_secret"


class StepError(RotationError):
    """The event violates the Secrets Manager rotation protocol (step, token, stage)."""

    default_code = "protocol_error"


class RotationInProgressError(RotationError):
    """A previous rotation isn't complete: another version holds AWSPENDING."""

    default_code = "rotation_in_progress"


class AwsError(RotationError):
    """An AWS API call failed; ``transient`` is set for throttling, 5xx and network errors."""

    default_code = "aws_error"

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        correlation_id: str | None = None,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, correlation_id=correlation_id, code=code, status_code=status_code)
        self.transient = transient


class DeployError(RotationError):
    """A deployer could not make consumers pick the new key up."""

    transient = True
    default_code = "deploy_failed"


class VerifyError(RotationError):
    """Verification after deploy failed: Synap refused the key or no consumer used it."""

    default_code = "verify_failed"
