"""``synap-rotation`` commands of the rotation engine (registered on ``rotation.cli.app``).

Thin: each parses flags, builds an :class:`~rotation.engine.engine.Engine` from the
environment (flags override), calls the library and prints text or ``--json``.
Exit codes: 0 ok, 1 failure or findings, 2 bad input or configuration, 3 unexpected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
SecretArg = Annotated[str, typer.Argument(help="Secret name or ARN holding the Synap key.")]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option("--api-url", help="Synap base URL (default: $SYNAP_API_URL).", show_default=False),
]
AdminOpt = Annotated[
    str | None,
    typer.Option(
        "--admin-secret-id",
        help='Secret holding {"admin_key"} (default: $SYNAP_ADMIN_SECRET_ID).',
        show_default=False,
    ),
]


def _progress(as_json: bool) -> Callable[[str], None]:
    if as_json or not sys.stderr.isatty():
        return lambda _: None
    return lambda message: typer.echo(f"… {message}", err=True)


@contextmanager
def _engine(api_url: str | None, admin: str | None, as_json: bool) -> Iterator[Any]:
    from rotation.cli import ExitCode, fail
    from rotation.config import Config
    from rotation.consumer.webhook_strategy import register_webhook_strategy
    from rotation.engine.engine import Engine
    from rotation.engine.exceptions import ConfigError, SecretValueError
    from rotation.exceptions import SynapError

    register_webhook_strategy()  # secrets tagged synap:kind=webhook-secret
    try:
        engine = Engine(
            Config.from_env(api_url=api_url, admin_secret_id=admin), progress=_progress(as_json)
        )
    except ConfigError as exc:
        raise fail(exc.message, ExitCode.USAGE) from exc
    try:
        yield engine
    except (ConfigError, SecretValueError) as exc:
        raise fail(str(exc), ExitCode.USAGE) from exc
    except SynapError as exc:
        raise fail(str(exc), ExitCode.FAILURE) from exc
    finally:
        engine.close()


def _run(
    api_url: str | None,
    admin: str | None,
    as_json: bool,
    operation: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """Build the engine from flags and environment, run ``operation`` on it, close it."""
    with _engine(api_url, admin, as_json) as engine:
        return operation(engine)


def _out(data: dict[str, Any], as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    from rotation.cli import emit_json

    if as_json:
        emit_json(data)
    else:
        typer.echo(text(data))


def register(app: typer.Typer) -> None:
    """Add the engine's commands to ``app``."""

    @app.command()
    def rotate(
        secret_id: SecretArg,
        local: Annotated[
            bool,
            typer.Option(
                "--local",
                help="Run the four steps in this process (moto + emulator, or any secret "
                "holding a Synap key) instead of calling RotateSecret.",
            ),
        ] = False,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Rotate now: RotateSecret (the service runs the Lambda), or --local in-process."""
        from rotation.engine.driver import rotate_in_process, rotate_remote

        with _engine(api_url, admin_secret_id, as_json) as engine:
            if not local:
                _out(
                    rotate_remote(engine, secret_id),
                    as_json,
                    lambda d: f"rotation started: {d['token']}",
                )
                return
            report = rotate_in_process(engine, secret_id)
        _out(
            report,
            as_json,
            lambda d: (
                f"rotated {d['secret_id']}: new key {d['key_id']} ({d['deploy']['result']}) "
                f"in {d['seconds']}s, {sum(d['calls'].values())} calls"
            ),
        )
        if report["deploy"]["result"] != "verified":
            raise typer.Exit(1)

    @app.command()
    def status(
        secret_id: SecretArg,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Versions, stages, ages, pending revokes, an incomplete rotation, next rotation."""
        from rotation.engine.report import status as status_of

        data = _run(api_url, admin_secret_id, as_json, lambda e: status_of(e, secret_id))

        def text(d: dict[str, Any]) -> str:
            lines = [f"{d['secret_id']} ({d['kind']}, tier {d['tier']})"]
            for v in d["versions"]:
                lines.append(f"  {v['version_id']}  {','.join(v['stages'])}  age {v['age_days']}d")
            for p in d["pending_revokes"]:
                lines.append(f"  revoke {p.get('key_id')} after {p['revoke_after']}")
            if d["incomplete_rotation"]:
                lines.append(f"  INCOMPLETE ROTATION: run `{d['incomplete_rotation']['fix']}`")
            lines.append(f"  next rotation: {d['next_rotation'] or 'not scheduled'}")
            return "\n".join(lines)

        _out(data, as_json, text)
        if data["incomplete_rotation"]:
            raise typer.Exit(1)

    @app.command()
    def rollback(
        secret_id: SecretArg,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Within grace: restore the previous key, re-deploy, cancel its revoke."""
        from rotation.engine.operations import rollback as do_rollback

        data = _run(
            api_url,
            admin_secret_id,
            as_json,
            lambda e: do_rollback(e, secret_id, reason="operator rollback"),
        )
        _out(data, as_json, lambda d: f"restored key {d.get('restored_key_id')} ({d['result']})")

    @app.command("emergency-revoke")
    def emergency_revoke(
        secret_id: SecretArg,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """A leaked key: rotate now and revoke the old key as soon as the new one verifies."""
        from rotation.engine.operations import emergency_revoke as do_emergency

        data = _run(api_url, admin_secret_id, as_json, lambda e: do_emergency(e, secret_id))
        _out(
            data,
            as_json,
            lambda d: f"revoked {d['revoked_key_id']}; AWSCURRENT now holds {d['new_key_id']}",
        )

    @app.command()
    def repair(
        secret_id: SecretArg,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Clear an AWSPENDING left by a failed rotation ("a previous rotation isn't complete")."""
        from rotation.engine.operations import repair as do_repair

        data = _run(api_url, admin_secret_id, as_json, lambda e: do_repair(e, secret_id))
        _out(data, as_json, lambda d: "\n".join([d["result"], *(f"  {x}" for x in d["did"])]))

    @app.command()
    def sweep(
        secret_ids: Annotated[
            list[str] | None,
            typer.Argument(help="Secrets to sweep (default: every secret tagged synap:kind)."),
        ] = None,
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Revoke keys this tool made that no secret holds any more and whose grace passed."""
        from rotation.engine.revoke import sweep as do_sweep

        data = _run(api_url, admin_secret_id, as_json, lambda e: do_sweep(e, secret_ids or None))
        _out(
            data,
            as_json,
            lambda d: (
                f"swept {d['secrets']} secrets: revoked {len(d['revoked'])}, "
                f"postponed {len(d['postponed'])}, unreadable {len(d['errors'])}"
            ),
        )
        if data["errors"]:
            raise typer.Exit(1)

    @app.command()
    def audit(
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Every managed secret: tier, last rotation, overdue or not, pending revokes."""
        from rotation.engine.report import audit as do_audit

        with _engine(api_url, admin_secret_id, as_json) as engine:
            data = do_audit(engine)

        def text(d: dict[str, Any]) -> str:
            rows = [
                f"{'OVERDUE ' if r['overdue'] else ''}{r['secret_id']}  tier {r['tier']}  "
                f"last {r['last_rotated']}  pending revokes {r['pending_revokes']}"
                for r in d["secrets"]
            ]
            return "\n".join([*rows, f"{d['findings']} finding(s)"])

        _out(data, as_json, text)
        if data["findings"]:
            raise typer.Exit(1)

    @app.command()
    def adopt(
        secret_id: SecretArg,
        instance_id: Annotated[str, typer.Option("--instance-id", help="Synap instance id.")],
        key_id: Annotated[str, typer.Option("--key-id", help="The key's id at Synap.")],
        api_url: ApiUrlOpt = None,
        admin_secret_id: AdminOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Store an existing key, read from standard input (never argv), in an empty secret."""
        from rotation.cli import ExitCode, fail
        from rotation.engine.operations import adopt as do_adopt

        if sys.stdin.isatty():
            typer.echo("paste the key, then Enter:", err=True)
        api_key = sys.stdin.readline().strip()
        if not api_key:
            raise fail("no key on standard input", ExitCode.USAGE)
        with _engine(api_url, admin_secret_id, as_json) as engine:
            data = do_adopt(engine, secret_id, api_key, instance_id=instance_id, key_id=key_id)
        _out(data, as_json, lambda d: f"adopted key {d['key_id']} into {secret_id}")
