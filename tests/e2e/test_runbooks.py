"""Every command in runbooks/ runs against the local stand-ins and does what the page says.

A fenced block whose info string is ``bash runbook`` is run with ``bash -e -o pipefail``
and must exit 0 (``expect=N`` for a command the page says fails); ``aws-only`` blocks need
a real account, so they are syntax-checked and their ``synap-rotation`` subcommands must
exist. Each page gets the situation it is written for (a rotated secret, a stuck
rotation, a postponed revoke...), built by a scenario below.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from infra.alarms import instance_alarms, lambda_alarms
from infra.config import parse_stack_config
from infra.naming import instance_secrets
from infra.plan import DEFAULT_CONFIG, load_stack_file
from rotation.keys import KEY_PATTERN, generate_key
from scripts.local_stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "runbooks"
FENCE = re.compile(r"^```bash runbook(?P<opts>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
FUNCTION_NAME = "synap-keyops-local-rotation"
APP_LOG_GROUP = "/app/synap-consumer"


@dataclass(frozen=True)
class Block:
    page: str
    index: int
    body: str
    expect: int
    aws_only: bool


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    out = []
    for i, match in enumerate(FENCE.finditer(text)):
        opts = match.group("opts").split()
        expect = next((int(o.split("=", 1)[1]) for o in opts if o.startswith("expect=")), 0)
        out.append(
            Block(
                str(page.relative_to(RUNBOOKS)), i, match.group("body"), expect, "aws-only" in opts
            )
        )
    return out


PAGES = sorted(p for p in RUNBOOKS.rglob("*.md") if p.name != "README.md")


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # A region of its own: moto's state is per process, and `sweep` / `audit` without a
    # secret id look at every managed secret other test modules left in theirs.
    with LocalStack(region="ca-central-1") as local:
        logs = local.client("logs")
        for group in (f"/aws/lambda/{FUNCTION_NAME}", APP_LOG_GROUP):
            logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName="s")
            line = {"level": "ERROR", "message": "synap call failed", "correlation_id": "cli-1"}
            logs.put_log_events(
                logGroupName=group,
                logStreamName="s",
                logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(line)}],
            )
        yield local


# -- scenarios: the situation each page is written for --------------------------------------


# Scenarios build their state in-process (the library behind the CLI): only the runbook's
# own commands pay for a new process each.


def rotated(stack: LocalStack, tmp: Path) -> dict[str, str]:
    secret = stack.new_secret(in_process=True)
    stack.rotate(secret.secret_id)
    return {"SECRET_ID": secret.secret_id, "INSTANCE_ID": secret.instance_id}


def stuck(stack: LocalStack, tmp: Path) -> dict[str, str]:
    # A createSecret that stored its key as AWSPENDING, then the rotation died.
    secret = stack.new_secret(in_process=True)
    token = str(uuid.uuid4())
    record, value = stack.emu.store.create_key(secret.instance_id, f"keyops-{token}")
    stack.sm.put_secret_value(
        SecretId=secret.secret_id,
        ClientRequestToken=token,
        SecretString=json.dumps(
            {
                "api_key": value,
                "key_id": record.key_id,
                "instance_id": secret.instance_id,
                "label": record.label,
                "created_at": record.created_at,
            }
        ),
        VersionStages=["AWSPENDING"],
    )
    return {"SECRET_ID": secret.secret_id, "INSTANCE_ID": secret.instance_id}


def postponed(stack: LocalStack, tmp: Path) -> dict[str, str]:
    # Two rotations with no grace, then a forgotten consumer keeps using the replaced key.
    env = {"SYNAP_GRACE_SECONDS": "0"}
    secret = stack.new_secret(in_process=True)
    stack.rotate(secret.secret_id, grace_seconds=0)
    old = json.loads(
        stack.sm.get_secret_value(SecretId=secret.secret_id, VersionStage="AWSCURRENT")[
            "SecretString"
        ]
    )
    stack.rotate(secret.secret_id, grace_seconds=0)
    # The consumer's call comes later than the engine's own verification of that key.
    stack.emu.store.clock_offset += 600
    response = httpx.get(
        f"{stack.emu.url}/v1/instances/{secret.instance_id}",
        headers={"Authorization": f"Bearer {old['api_key']}"},
    )
    assert response.status_code == 200
    return {**env, "SECRET_ID": secret.secret_id, "INSTANCE_ID": secret.instance_id}


def leaked(stack: LocalStack, tmp: Path) -> dict[str, str]:
    env = rotated(stack, tmp)
    repo = tmp / "repo"
    repo.mkdir()
    (repo / ".env").write_text(f"SYNAP_API_KEY={generate_key()}\n", encoding="utf-8")
    return {**env, "REPO": str(repo)}


SCENARIOS: dict[str, Callable[[LocalStack, Path], dict[str, str]]] = {
    "rotation-stuck.md": stuck,
    "revoke-postponed.md": postponed,
    "emergency-revoke.md": leaked,
}


def page_env(stack: LocalStack, page: str, tmp: Path) -> dict[str, str]:
    env = SCENARIOS.get(page, rotated)(stack, tmp)
    bindir = str(Path(sys.executable).parent)
    return {
        **stack.env,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "ALARM_PREFIX": "synap-keyops-local",
        "FUNCTION_NAME": FUNCTION_NAME,
        "APP_LOG_GROUP": APP_LOG_GROUP,
        "PYTHONPATH": str(ROOT),
        **env,
    }


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(RUNBOOKS)))
def test_every_runbook_command_runs(stack: LocalStack, page: Path, tmp_path: Path) -> None:
    found = blocks(page)
    assert found, f"{page.name} has no runbook block"
    env = page_env(stack, str(page.relative_to(RUNBOOKS)), tmp_path)
    for block in found:
        if block.aws_only:
            check_aws_only(block)
            continue
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.body],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        where = f"{block.page} block {block.index + 1}"
        assert result.returncode == block.expect, f"{where}: {result.stdout}\n{result.stderr}"
        assert not KEY_PATTERN.search(result.stdout + result.stderr), f"{where} printed a key"


def check_aws_only(block: Block) -> None:
    syntax = subprocess.run(["bash", "-n", "-c", block.body], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    from rotation.cli.app import app

    commands = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}  # type: ignore[union-attr]
    for line in block.body.splitlines():
        words = line.split()
        if words[:1] == ["synap-rotation"]:
            assert words[1] in commands, f"{block.page}: unknown command {words[1]}"


def test_pages_mentioned_in_the_index_exist() -> None:
    for index in (RUNBOOKS / "README.md", RUNBOOKS / "alarms" / "README.md"):
        for link in re.findall(r"\]\(([^)#]+\.md)\)", index.read_text(encoding="utf-8")):
            assert (index.parent / link).exists(), f"{index.name} links to missing {link}"


def test_every_alarm_infra_creates_has_a_page() -> None:
    # GIVEN the alarms the example stack gets from infra/
    raw, secret_keys, _ = load_stack_file(ROOT / DEFAULT_CONFIG)
    config = parse_stack_config(raw, secret_keys)
    keys = {a.key for a in lambda_alarms("f", "q")}
    for inst in config.instances:
        secrets = instance_secrets(config, inst)
        shorts = {name.rsplit("/", 1)[-1] for name, _ in secrets}
        for alarm in instance_alarms(inst, secrets):
            key = alarm.key
            for short in shorts:
                key = key.removesuffix(f"-{short}")
            keys.add("latency" if key.startswith("latency-") else key)
    # THEN each has its page, and the index lists it
    index = (RUNBOOKS / "alarms" / "README.md").read_text(encoding="utf-8")
    for key in sorted(keys):
        assert (RUNBOOKS / "alarms" / f"{key}.md").exists(), f"no runbook page for alarm {key}"
        assert f"`{key}" in index, f"alarms/README.md does not list {key}"
