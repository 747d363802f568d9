"""Commands that change a secret: rotate, rollback, emergency-revoke, repair, adopt.

Thin: each parses flags, builds an engine (:mod:`rotation.cli.session`), calls the library
and prints text or ``--json``. Exit codes: 0 ok, 1 failure, 2 bad input or configuration.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from rotation.cli.options import AdminOpt, ApiUrlOpt, JsonOpt, SecretArg
from rotation.cli.output import ExitCode, fail, say, show
from rotation.cli.session import open_engine, run_on_engine

__all__ = ["adopt", "emergency_revoke", "repair", "rollback", "rotate"]

LocalOpt = Annotated[
    bool,
    typer.Option(
        "--local",
        help="Run the four steps in this process (moto + emulator, or any secret "
        "holding a Synap key) instead of calling RotateSecret.",
    ),
]
InstanceOpt = Annotated[str, typer.Option("--instance-id", help="Synap instance id.")]
KeyIdOpt = Annotated[str, typer.Option("--key-id", help="The key's id at Synap.")]


def _rotated_text(d: dict[str, Any]) -> str:
    return (
        f"rotated {d['secret_id']}: new key {d['key_id']} ({d['deploy']['result']}) "
        f"in {d['seconds']}s, {sum(d['calls'].values())} calls"
    )


def rotate(
    secret_id: SecretArg,
    local: LocalOpt = False,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rotate now: RotateSecret (the service runs the Lambda), or --local in-process."""
    from rotation.engine.driver import rotate_in_process, rotate_remote

    with open_engine(api_url, admin_secret_id, as_json) as engine:
        if not local:
            started = rotate_remote(engine, secret_id)
            show(started, as_json, lambda d: f"rotation started: {d['token']}")
            return
        report = rotate_in_process(engine, secret_id)
    show(report, as_json, _rotated_text)
    if report["deploy"]["result"] != "verified":
        raise typer.Exit(1)


def rollback(
    secret_id: SecretArg,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Within grace: restore the previous key, re-deploy, cancel its revoke."""
    from rotation.engine.rollback import rollback as do_rollback

    data = run_on_engine(
        api_url,
        admin_secret_id,
        as_json,
        lambda e: do_rollback(e, secret_id, reason="operator rollback"),
    )
    show(data, as_json, lambda d: f"restored key {d.get('restored_key_id')} ({d['result']})")


def emergency_revoke(
    secret_id: SecretArg,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A leaked key: rotate now and revoke the old key as soon as the new one verifies."""
    from rotation.engine.operations import emergency_revoke as do_emergency

    data = run_on_engine(api_url, admin_secret_id, as_json, lambda e: do_emergency(e, secret_id))
    show(
        data,
        as_json,
        lambda d: f"revoked {d['revoked_key_id']}; AWSCURRENT now holds {d['new_key_id']}",
    )


def repair(
    secret_id: SecretArg,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clear an AWSPENDING left by a failed rotation ("a previous rotation isn't complete")."""
    from rotation.engine.operations import repair as do_repair

    data = run_on_engine(api_url, admin_secret_id, as_json, lambda e: do_repair(e, secret_id))
    show(data, as_json, lambda d: "\n".join([d["result"], *(f"  {x}" for x in d["did"])]))


def _key_from_stdin() -> str:
    """The key an operator pastes (never argv, so it stays out of shell history and ps)."""
    if sys.stdin.isatty():
        say("paste the key, then Enter:", err=True)
    api_key = sys.stdin.readline().strip()
    if not api_key:
        raise fail("no key on standard input", ExitCode.USAGE)
    return api_key


def adopt(
    secret_id: SecretArg,
    instance_id: InstanceOpt,
    key_id: KeyIdOpt,
    api_url: ApiUrlOpt = None,
    admin_secret_id: AdminOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store an existing key, read from standard input (never argv), in an empty secret."""
    from rotation.engine.operations import adopt as do_adopt

    api_key = _key_from_stdin()
    with open_engine(api_url, admin_secret_id, as_json) as engine:
        data = do_adopt(engine, secret_id, api_key, instance_id=instance_id, key_id=key_id)
    show(data, as_json, lambda d: f"adopted key {d['key_id']} into {secret_id}")
