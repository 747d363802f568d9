"""``synap-rotation`` engine commands as an operator runs them: subprocesses against a
moto server and the emulator on 127.0.0.1 (docs/cli.md, "Rotating a key locally")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from rotation.keys import KEY_PATTERN

CLI = [sys.executable, "-c", "from rotation.cli import main; main()"]


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    emu = subprocess.Popen(
        [*CLI, "emulator", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert emu.stdout is not None
    ready = json.loads(emu.stdout.readline())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SYNAP_API_URL": ready["url"],
        "SYNAP_ADMIN_SECRET_ID": "synap/local/admin",
    }
    sm = boto3.client(
        "secretsmanager",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sm.create_secret(
        Name="synap/local/admin", SecretString=json.dumps({"admin_key": ready["admin_key"]})
    )
    yield {"env": env, "ready": ready, "sm": sm}
    emu.send_signal(signal.SIGTERM)
    emu.wait(timeout=10)
    for stream in (emu.stdout, emu.stderr):
        if stream is not None:
            stream.close()
    moto.stop()


def run(stack: dict[str, Any], *args: str, stdin: str = "", env: Any = None) -> Any:
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or stack["env"],
        timeout=120,
        check=False,
    )


def test_adopt_rotate_status_rollback_emergency_sweep_audit(stack: dict[str, Any]) -> None:
    ready = stack["ready"]
    secret = f"synap/local/api-key-{uuid.uuid4().hex[:6]}"
    # adopt: the key comes on stdin, never argv; the secret is created and tagged
    adopted = run(
        stack,
        "adopt",
        secret,
        "--instance-id",
        ready["instance_id"],
        "--key-id",
        ready["key_id"],
        "--json",
        stdin=ready["api_key"] + "\n",
    )
    assert adopted.returncode == 0, adopted.stderr
    assert json.loads(adopted.stdout)["key_id"] == ready["key_id"]

    rotated = run(stack, "rotate", secret, "--local", "--json")
    assert rotated.returncode == 0, rotated.stderr
    report = json.loads(rotated.stdout)
    assert report["deploy"]["result"] == "verified"
    assert report["calls"]["synap.create_key"] == 1

    shown = run(stack, "status", secret, "--json")
    assert shown.returncode == 0, shown.stderr
    status = json.loads(shown.stdout)
    assert status["current"]["key_id"] == report["key_id"]
    assert [p["key_id"] for p in status["pending_revokes"]] == [ready["key_id"]]

    text = run(stack, "status", secret)
    assert "revoke " + ready["key_id"] in text.stdout

    back = run(stack, "rollback", secret, "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["restored_key_id"] == ready["key_id"]

    leaked = run(stack, "emergency-revoke", secret, "--json")
    assert leaked.returncode == 0, leaked.stderr
    assert json.loads(leaked.stdout)["revoked_key_id"] == ready["key_id"]

    swept = run(stack, "sweep", secret, "--json")
    assert swept.returncode == 0, swept.stderr
    assert json.loads(swept.stdout)["revoked"] == []

    audited = run(stack, "audit", "--json")
    rows = {r["secret_id"]: r for r in json.loads(audited.stdout)["secrets"]}
    assert secret in rows

    assert run(stack, "repair", secret, "--json").returncode == 0
    for out in (adopted, rotated, shown, back, leaked, swept, audited):
        assert not KEY_PATTERN.search(out.stdout + out.stderr)


def test_bad_input_is_one_line_and_exit_2(stack: dict[str, Any]) -> None:
    env = {k: v for k, v in stack["env"].items() if k != "SYNAP_API_URL"}
    missing = run(stack, "status", "synap/local/x", env=env)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "SYNAP_API_URL" in missing.stderr

    empty = run(stack, "adopt", "synap/local/y", "--instance-id", "i", "--key-id", "k")
    assert empty.returncode == 2 and "standard input" in empty.stderr

    not_a_key = run(
        stack, "adopt", "synap/local/y", "--instance-id", "i", "--key-id", "k", stdin="oops\n"
    )
    assert not_a_key.returncode == 2 and "Traceback" not in not_a_key.stderr

    unknown = run(stack, "status", "synap/local/does-not-exist")
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") == 1 and "ResourceNotFoundException" in unknown.stderr

    usage = run(stack, "rotate")
    assert usage.returncode == 2
