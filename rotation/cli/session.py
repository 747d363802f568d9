"""One engine per command: built from the flags and the environment, errors mapped, closed.

The engine is imported when a command runs, not when the CLI loads: ``synap-rotation
emulator`` and ``--help`` never pay for boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rotation.cli.output import ExitCode, fail, progress

if TYPE_CHECKING:
    from rotation.engine.context import Engine

__all__ = ["open_engine", "run_on_engine"]


@contextmanager
def open_engine(api_url: str | None, admin: str | None, as_json: bool) -> Iterator[Engine]:
    """The engine for ``--api-url`` / ``--admin-secret-id`` (else the environment), closed after.

    Bad configuration or a bad secret value exits 2, any other error of the package (Synap,
    AWS, the engine) 1, one line each.
    """
    from rotation.engine.config import Config
    from rotation.engine.context import Engine
    from rotation.exceptions import ConfigError, KeyOpsError, SecretValueError

    try:
        engine = Engine(
            Config.from_env(api_url=api_url, admin_secret_id=admin), progress=progress(as_json)
        )
    except ConfigError as exc:
        raise fail(exc.message, ExitCode.USAGE) from exc
    try:
        yield engine
    except (ConfigError, SecretValueError) as exc:
        raise fail(str(exc), ExitCode.USAGE) from exc
    except KeyOpsError as exc:
        raise fail(str(exc), ExitCode.FAILURE) from exc
    finally:
        engine.close()


def run_on_engine(
    api_url: str | None,
    admin: str | None,
    as_json: bool,
    operation: Callable[[Engine], dict[str, Any]],
) -> dict[str, Any]:
    """Build the engine from flags and environment, run ``operation`` on it, close it."""
    with open_engine(api_url, admin, as_json) as engine:
        return operation(engine)
