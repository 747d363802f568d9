"""A local stand-in for AWS and Synap: a moto server and the Synap emulator on 127.0.0.1.

Used by `make demo`, the runbook tests and the benchmarks, and by operators who want
to rehearse a runbook without a cloud account::

    python -m scripts.local_stack          # prints `export ...` lines, runs until Ctrl-C

Everything binds to 127.0.0.1 on free ports. The admin credential lives in a secret
(`synap/local/admin`), exactly as on AWS; subprocesses reach moto through boto3's
standard AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from rotation.emulator import EmulatorServer, SeedInfo
from rotation.engine.aws import AwsClients
from rotation.engine.config import Config
from rotation.engine.context import Engine
from rotation.engine.driver import rotate_in_process
from rotation.engine.operations import adopt

__all__ = ["ADMIN_SECRET_ID", "LocalStack", "ManagedSecret"]

ADMIN_SECRET_ID = "synap/local/admin"  # noqa: S105 (a secret name)
REGION = "us-east-1"
CLI = [sys.executable, "-m", "rotation"]
POLICY_CLI = [sys.executable, "-c", "from policies.cli import main; main()"]


@dataclass(frozen=True)
class ManagedSecret:
    """A secret holding a Synap key, and the key it was given."""

    secret_id: str
    instance_id: str
    key_id: str
    api_key: str = field(repr=False)


class LocalStack:
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager)."""

    def __init__(self, region: str = REGION) -> None:
        # moto keeps state per process, account and region (not per server): a stack that
        # must not see another test module's secrets takes a region of its own.
        self.region = region
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.emulator: EmulatorServer | None = None
        self.env: dict[str, str] = {}
        self._sm: Any = None

    def start(self) -> LocalStack:
        # moto's werkzeug server logs every request at INFO; keep operators' output readable.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.emulator = EmulatorServer(":memory:").start()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SYNAP_"))},
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "SYNAP_API_URL": self.emulator.url,
            "SYNAP_ADMIN_SECRET_ID": ADMIN_SECRET_ID,
        }
        # moto keeps its state per process, not per server: a second stack in the same
        # process (another test module) finds the admin secret already there.
        admin = json.dumps({"admin_key": self.emulator.admin_key})
        try:
            self.sm.create_secret(Name=ADMIN_SECRET_ID, SecretString=admin)
        except self.sm.exceptions.ResourceExistsException:
            self.sm.put_secret_value(SecretId=ADMIN_SECRET_ID, SecretString=admin)
        return self

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        self.moto.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def emu(self) -> EmulatorServer:
        assert self.emulator is not None, "LocalStack.start() first"
        return self.emulator

    def client(self, service: str) -> Any:
        """A boto3 client for moto (this process's environment is left alone)."""
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 (moto)
        )

    @property
    def sm(self) -> Any:
        if self._sm is None:
            self._sm = self.client("secretsmanager")
        return self._sm

    @contextmanager
    def engine(self, **config: Any) -> Iterator[Engine]:
        """The rotation engine in this process, against this stack (faster than the CLI).

        The engine reaches AWS the way it does in the Lambda, through boto3's standard
        environment (AWS_ENDPOINT_URL...), so this process's AWS_* variables point at moto
        for the duration of the block and are restored afterwards.
        """
        settings: dict[str, Any] = {
            "api_url": self.emu.url,
            "admin_secret_id": ADMIN_SECRET_ID,
            **config,
        }
        aws = {k: v for k, v in self.env.items() if k.startswith("AWS_")}
        saved = {k: os.environ.get(k) for k in aws}
        os.environ.update(aws)
        engine = Engine(Config(**settings), clients=AwsClients())
        try:
            yield engine
        finally:
            engine.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def run(
        self,
        argv: list[str],
        *,
        stdin: str = "",
        extra_env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command with this stack's environment; raise with its stderr if it fails."""
        result = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **(extra_env or {})},
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[2:])} exited {result.returncode}: {result.stderr}")
        return result

    def cli(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        """``synap-rotation ARGS`` as an operator would run it."""
        return self.run([*CLI, *args], **kw)

    def cli_json(self, *args: str, **kw: Any) -> dict[str, Any]:
        return dict(json.loads(self.cli(*args, "--json", **kw).stdout))

    def new_instance(self) -> SeedInfo:
        return self.emu.seed_instance("inst_" + uuid.uuid4().hex[:16])

    def new_secret(self, name: str | None = None, *, in_process: bool = False) -> ManagedSecret:
        """A fresh Synap instance whose seeded key is adopted into a new managed secret.

        By default through ``synap-rotation adopt`` (as an operator would); ``in_process``
        calls the same library function without starting a process.
        """
        seed = self.new_instance()
        assert seed.api_key is not None
        secret_id = name or f"synap/local/{seed.instance_id}/api-key"
        if in_process:
            with self.engine() as engine:
                adopt(
                    engine,
                    secret_id,
                    seed.api_key,
                    instance_id=seed.instance_id,
                    key_id=seed.key_id,
                )
        else:
            self.cli(
                "adopt",
                secret_id,
                "--instance-id",
                seed.instance_id,
                "--key-id",
                seed.key_id,
                stdin=seed.api_key + "\n",
            )
        return ManagedSecret(secret_id, seed.instance_id, seed.key_id, seed.api_key)

    def rotate(self, secret_id: str, **config: Any) -> dict[str, Any]:
        """One local rotation in this process (what ``rotate --local`` runs)."""
        with self.engine(**config) as engine:
            return rotate_in_process(engine, secret_id)

    def exports(self) -> str:
        keys = [k for k in self.env if k.startswith(("AWS_", "SYNAP_"))]
        return "\n".join(f"export {k}={self.env[k]}" for k in sorted(keys))


def main() -> int:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with LocalStack() as stack:
        secret = stack.new_secret("synap/local/api-key")
        print(stack.exports())
        print(f"export SECRET_ID={secret.secret_id}")
        print(f"export INSTANCE_ID={secret.instance_id}")
        print("# moto and the Synap emulator are running; Ctrl-C stops them", file=sys.stderr)
        sys.stdout.flush()
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
