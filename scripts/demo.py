"""`make demo`: the whole job on local stand-ins, in order, each step with its evidence.

No cloud account: Pulumi runs under mocks, AWS is a moto server and Synap is the
project's emulator, all on 127.0.0.1. Colored on a terminal, plain in a pipe. Exits
non-zero as soon as a step does not show what it should; stops everything it started.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from rotation.consumer import EmfMetrics, KeyProvider, SynapCallGuard, SynapMemoryClient
from rotation.keys import generate_key, redact
from scripts.local_stack import POLICY_CLI, LocalStack

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
console = Console(highlight=False, emoji=False)
# Short enough to watch: say so wherever it matters.
DEMO_GRACE_SECONDS = 4
DEMO_TTL_SECONDS = 1
SCHEDULER_ROLE_ARN = "arn:aws:iam::123456789012:role/synap-keyops-demo-scheduler"
REVOKE_TARGET_ARN = "arn:aws:lambda:us-east-1:123456789012:function:synap-keyops-demo-rotation"


class DemoError(Exception):
    """A step did not show what it should."""


@dataclass
class Step:
    number: int = 0
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def __call__(self, title: str) -> Iterator[None]:
        self.number += 1
        console.rule(f"[bold cyan]{self.number}. {title}", align="left")
        started = time.perf_counter()
        yield
        took = time.perf_counter() - started
        self.timings.append((title, took))
        console.print(f"[green]✓[/] [dim]{took:.1f}s[/]")


def run(argv: list[str], *, env: dict[str, str] | None = None, expect: int = 0) -> str:
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False
    )
    if result.returncode != expect:
        raise DemoError(
            f"{' '.join(argv[2:])} exited {result.returncode} (expected {expect}): "
            f"{result.stderr.strip()[-400:]}"
        )
    return result.stdout


def policy(*args: str, expect: int = 0) -> str:
    return run([*POLICY_CLI, *args], expect=expect)


# -- offline: plan, policy check, broken change, pull-request scan ------------------------


def plan_and_check(step: Step) -> Path:
    with step("Offline plan of the example stack (Pulumi under mocks, no account)"):
        summary = json.loads(run([sys.executable, "-m", "infra.plan", "--json"]))
        console.print(
            f"{summary['resources']} resources -> {summary['output']}; per component: "
            + ", ".join(f"{k} {v}" for k, v in summary["per_component"].items())
        )
    plan = ROOT / str(summary["output"])
    with step("Policy check on the plan: passes"):
        console.print(policy("check", "--stack-export", str(plan)).strip())
    return plan


def broken_change(step: Step, plan: Path) -> None:
    with step("A broken change: a Synap key pasted into the Lambda's environment"):
        export = json.loads(plan.read_text(encoding="utf-8"))
        for resource in export["deployment"]["resources"]:
            if resource["type"] == "aws:lambda/function:Function":
                variables = (
                    resource["inputs"].setdefault("environment", {}).setdefault("variables", {})
                )
                variables["SYNAP_API_KEY"] = generate_key()
                break
        else:
            raise DemoError("the plan has no Lambda function")
        bad = BUILD / "plan-broken.json"
        bad.write_text(json.dumps(export), encoding="utf-8")
        out = policy("check", "--stack-export", str(bad), expect=1)
        console.print(out.strip())
        console.print("[bold red]blocked[/] (exit 1): the rule above names the violation")


def pull_request_scan(step: Step) -> None:
    with step("Pull-request scan: a diff that adds a key is blocked (SARIF written)"):
        repo = Path(tempfile.mkdtemp(prefix="synap-demo-pr-"))
        try:
            git = ["git", "-C", str(repo), "-c", "user.name=demo", "-c", "user.email=d@e.x"]
            subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
            (repo / "app.py").write_text("import os\nKEY = os.environ['SYNAP_API_KEY']\n")
            subprocess.run([*git, "add", "."], check=True)
            subprocess.run([*git, "commit", "-qm", "base"], check=True)
            (repo / ".env.production").write_text(f"SYNAP_API_KEY={generate_key()}\n")
            (repo / "README.md").write_text("export SYNAP_API_KEY=synap_your_key_here\n")
            subprocess.run([*git, "add", "."], check=True)
            subprocess.run([*git, "commit", "-qm", "add config"], check=True)
            sarif = BUILD / "demo-scan.sarif"
            result = subprocess.run(
                [
                    *POLICY_CLI,
                    "scan",
                    "--diff",
                    "HEAD~1..HEAD",
                    "--format",
                    "sarif",
                    "--output",
                    str(sarif),
                ],
                cwd=repo,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 1:
                raise DemoError(f"scan exited {result.returncode}: {result.stderr.strip()}")
            runs = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
            findings = [r for run_ in runs for r in run_["results"]]
            for item in findings:
                where = item["locations"][0]["physicalLocation"]
                console.print(
                    f"  {item['ruleId']}: {where['artifactLocation']['uri']}:"
                    f"{where['region']['startLine']}  {item['message']['text'][:70]}"
                )
            console.print(
                f"[bold red]blocked[/] (exit 1): {len(findings)} finding(s), placeholder ignored; "
                f"SARIF -> {sarif.relative_to(ROOT)}"
            )
        finally:
            shutil.rmtree(repo, ignore_errors=True)


INVOKE = (
    "import json, sys; from rotation.handler import lambda_handler; "
    "print(json.dumps(lambda_handler(json.loads(sys.argv[1]), None), default=str))"
)


# -- live: moto + emulator, rotation, consumer, revoke, rollback ----------------------------


class Consumer:
    """An application using the key provider and the call guard in a loop (a thread)."""

    def __init__(self, stack: LocalStack, secret_id: str, instance_id: str) -> None:
        self.emf: list[str] = []
        self.provider = KeyProvider(
            secret_id, client=stack.client("secretsmanager"), ttl_seconds=DEMO_TTL_SECONDS
        )
        self.client = SynapMemoryClient(stack.emu.url, self.provider)
        self.guard = SynapCallGuard(EmfMetrics(instance_id, write=self.emf.append))
        self.ok = 0
        self.failed = 0
        self.keys_seen: set[str] = set()
        self.running = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> Consumer:
        self.client.create_memory("The customer prefers email over phone.")
        self.running.set()
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.running.wait(0.05):
                continue
            try:
                items = self.guard.call(
                    "context.fetch",
                    lambda: self.client.fetch_context("contact preference"),
                    mode="fast",
                    zero_results=lambda found: not found,
                )
            except Exception:
                items = None
            if items is None:
                self.failed += 1
            else:
                self.ok += 1
                self.keys_seen.add(self.provider.get().key_id)
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.close()


def live(step: Step) -> None:
    with LocalStack() as stack:
        with step("Local AWS (moto server) and Synap (emulator) started on 127.0.0.1"):
            console.print(f"AWS_ENDPOINT_URL={stack.env['AWS_ENDPOINT_URL']}")
            console.print(f"SYNAP_API_URL={stack.env['SYNAP_API_URL']}")
            secret = stack.new_secret("synap/demo/api-key")
            console.print(
                f"secret {secret.secret_id} holds key {secret.key_id} "
                f"({redact(secret.api_key)}) of {secret.instance_id}"
            )
        deployers = json.dumps({"*": [{"type": "none", "ttl_seconds": DEMO_TTL_SECONDS + 1}]})
        env = {
            # With these set, finishSecret creates the one-time revoke schedule in moto's
            # EventBridge Scheduler, as the Lambda does on AWS.
            "SYNAP_REVOKE_TARGET_ARN": REVOKE_TARGET_ARN,
            "SYNAP_SCHEDULER_ROLE_ARN": SCHEDULER_ROLE_ARN,
            "SYNAP_SCHEDULE_GROUP": "default",
            "SYNAP_GRACE_SECONDS": str(DEMO_GRACE_SECONDS),
            "SYNAP_QUIET_SECONDS": "1",
            "SYNAP_DEPLOYERS": deployers,
        }
        consumer = Consumer(stack, secret.secret_id, secret.instance_id).start()
        try:
            rotate(step, stack, secret.secret_id, env, consumer)
            revoke_after_grace(step, stack, secret, env, consumer)
            fault_and_rollback(step, stack, secret.secret_id, env, consumer)
        finally:
            consumer.stop()


def rotate(
    step: Step, stack: LocalStack, secret_id: str, env: dict[str, str], consumer: Consumer
) -> None:
    with step("Rotation end to end (the four Secrets Manager steps, run locally)"):
        report = stack.cli_json("rotate", secret_id, "--local", extra_env=env)
        table = Table("step", "result", "seconds", box=None, pad_edge=False)
        for item in report["steps"]:
            took = item.get("seconds")
            table.add_row(item["step"], item["result"], f"{took:.3f}" if took else "")
        deploy = report["deploy"]
        table.add_row("deploy + verify", deploy["result"], f"{deploy.get('seconds', 0):.3f}")
        console.print(table)
        calls = report["calls"]
        console.print(
            f"new key {report['key_id']} in {report['seconds']:.2f}s; "
            f"{sum(v for k, v in calls.items() if not k.startswith('synap.'))} AWS calls, "
            f"{sum(v for k, v in calls.items() if k.startswith('synap.'))} Synap calls"
        )
        time.sleep(DEMO_TTL_SECONDS + 0.5)  # let the consumer's cache turn over
    with step("A consumer kept working across it"):
        console.print(
            f"{consumer.ok} calls ok, {consumer.failed} failed; keys used: "
            + ", ".join(sorted(consumer.keys_seen))
        )
        if consumer.failed or report["key_id"] not in consumer.keys_seen:
            raise DemoError("the consumer failed a call or never picked up the new key")


def revoke_after_grace(
    step: Step, stack: LocalStack, secret: Any, env: dict[str, str], consumer: Consumer
) -> None:
    title = (
        f"Revoke after grace (grace shortened to {DEMO_GRACE_SECONDS}s for the demo; "
        "48 h in production)"
    )
    with step(title):
        scheduler = stack.client("scheduler")
        names = [s["Name"] for s in scheduler.list_schedules(GroupName="default")["Schedules"]]
        due = [scheduler.get_schedule(Name=n, GroupName="default") for n in names]
        revokes = [s for s in due if json.loads(s["Target"]["Input"]).get("action") == "revoke"]
        if not revokes:
            raise DemoError("finishSecret scheduled no revoke")
        schedule = revokes[0]
        console.print(
            f"EventBridge Scheduler: {schedule['Name']} {schedule['ScheduleExpression']} -> "
            f"{schedule['Target']['Input']}"
        )
        time.sleep(DEMO_GRACE_SECONDS + 0.5)
        # Scheduler fires: invoke the Lambda handler with the schedule's input, as AWS would.
        fired = stack.run(
            [sys.executable, "-c", INVOKE, schedule["Target"]["Input"]], extra_env=env
        )
        console.print(f"rotation Lambda, revoke action: {fired.stdout.strip()[:200]}")
        old = httpx.get(
            f"{stack.emu.url}/v1/instances/{secret.instance_id}",
            headers={"Authorization": f"Bearer {secret.api_key}"},
        )
        console.print(f"old key {secret.key_id} now gets HTTP {old.status_code} from Synap")
        if old.status_code != 401:
            raise DemoError("the revoked key is still accepted")
        console.print(f"consumer: {consumer.ok} ok, {consumer.failed} failed")
        if consumer.failed:
            raise DemoError("the consumer failed during the revoke")


def fault_and_rollback(
    step: Step, stack: LocalStack, secret_id: str, env: dict[str, str], consumer: Consumer
) -> None:
    title = (
        "Fault mid-rotation: Synap answers 429 twice, then the new key is never used -> rollback"
    )
    with step(title):
        before = stack.cli_json("status", secret_id)["current"]["key_id"]
        admin = {"Authorization": f"Bearer {stack.emu.admin_key}"}
        httpx.post(
            f"{stack.emu.url}/_emulator/faults",
            json={"op": "create_key", "kind": "429", "count": 2, "retry_after": 0.2},
            headers=admin,
        ).raise_for_status()
        consumer.running.clear()  # a consumer stuck on the old key: it never uses the new one
        # A grace long enough to outlast the usage window, so the engine may roll back.
        failing = {**env, "SYNAP_USAGE_WINDOW_SECONDS": "2", "SYNAP_GRACE_SECONDS": "300"}
        result = stack.cli("rotate", secret_id, "--local", "--json", extra_env=failing, check=False)
        consumer.running.set()
        reason = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        console.print(f"rotate exited {result.returncode}: {reason}")
        if result.returncode == 0:
            raise DemoError("the rotation should have failed its post-deploy verification")
        after = stack.cli_json("status", secret_id)
        console.print(
            f"AWSCURRENT still holds {after['current']['key_id']} (was {before}); "
            f"pending revokes: {[p['key_id'] for p in after['pending_revokes']]}"
        )
        if after["current"]["key_id"] != before:
            raise DemoError("the failed rotation was not rolled back")


def checklist(step: Step, plan: Path) -> None:
    with step("The production checklist: the example stack + an example application repo"):
        argv = [
            *POLICY_CLI,
            "checklist",
            "--stack-export",
            str(plan),
            "--repo",
            "examples/consumer-app",
            "--attestations",
            "checklist.attestations.example.yaml",
            "--as-of",
            "2026-11-25",
        ]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
        if result.returncode not in (0, 1):
            raise DemoError(f"checklist exited {result.returncode}: {result.stderr.strip()}")
        colors = {"pass": "green", "fail": "red", "stale": "yellow", "manual": "yellow"}
        for line in result.stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("pass", "fail", "manual", "attested", "stale"):
                color = colors.get(words[0], "cyan")
                console.print(f"  [{color}]{words[0]:9}[/] {words[1]}")
        summary = (result.stderr + result.stdout).strip().splitlines()[-1]
        console.print(summary)
        console.print(
            f"exit {result.returncode}: automated items come from the same rules as check and "
            "scan; the rest are a person's attestations, and one older than 90 days is stale"
        )


def main() -> int:
    started = time.perf_counter()
    BUILD.mkdir(exist_ok=True)
    console.print(
        "[bold]synap-keyops demo[/]: the whole job on local stand-ins, no cloud account\n"
    )
    step = Step()
    plan = plan_and_check(step)
    broken_change(step, plan)
    pull_request_scan(step)
    live(step)
    checklist(step, plan)
    console.print(f"\n[bold green]demo finished in {time.perf_counter() - started:.0f}s[/]")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DemoError as exc:
        console.print(f"\n[bold red]demo failed:[/] {exc}")
        sys.exit(1)
