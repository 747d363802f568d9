"""`synap-rotation emulator` as an operator runs it: a subprocess, a JSON ready line, SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-c", "from rotation.cli import main; main()"]


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, json.loads(line)


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return code


def test_ready_line_then_clean_stop_and_restart(tmp_path: Path) -> None:
    state = tmp_path / "emu.db"
    proc, ready = start("--state", str(state))
    try:
        assert set(ready) == {"url", "admin_key", "instance_id", "api_key", "key_id"}
        assert ready["url"].startswith("http://127.0.0.1:")
        response = httpx.get(
            f"{ready['url']}/v1/instances/{ready['instance_id']}",
            headers={"Authorization": f"Bearer {ready['api_key']}"},
        )
        assert response.status_code == 200
        assert proc.stdout is not None
    finally:
        assert stop(proc) == 0
    proc2, again = start("--state", str(state))
    try:
        assert again["instance_id"] == ready["instance_id"]
        assert again["admin_key"] == ready["admin_key"]
        assert again["api_key"] is None
        response = httpx.get(
            f"{again['url']}/v1/instances/{ready['instance_id']}",
            headers={"Authorization": f"Bearer {ready['api_key']}"},
        )
        assert response.status_code == 200
    finally:
        assert stop(proc2) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--port", "70000"], "--port must be"),
        (["--state", "/no/such/dir/x.db"], "does not exist"),
        (["--bogus"], "No such option"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [*CLI, "emulator", *args], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_help_explains_the_ready_line() -> None:
    result = subprocess.run(
        [*CLI, "emulator", "--help"], capture_output=True, text=True, check=True
    )
    assert "JSON line" in result.stdout
