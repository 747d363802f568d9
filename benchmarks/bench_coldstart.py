"""Lambda cold start: importing ``rotation.handler`` against a bare ``import boto3``.

Every sample is a fresh interpreter (the Lambda's cold start), ours and the peer's
interleaved so the machine's noise falls on both; the median is reported. The probes run
what the Lambda runs: the function's zip (``make package --host``, extracted) plus
boto3's own closure as the runtime provides it, with ``python -S`` so nothing else from
the venv (rich, typer, pulumi) can sneak onto the path. A second pair
measures the whole cold path of a first invocation: our handler plus the modules
``lambda_handler`` imports lazily and the Secrets Manager client, against ``import boto3``
plus the same client (the AWS rotation template's cold path). The zip from
``make package`` is measured against the 2 MB budget, and checked for boto3, pulumi,
typer and rich (the runtime has boto3; the others must never be on that path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import Row, median_of, ratio, row

ROOT = Path(__file__).resolve().parents[1]
ZIP = ROOT / "build" / "rotation-lambda.zip"
WORK = ROOT / "build" / "bench-coldstart"
#: What the Lambda Python runtime ships besides the standard library (boto3's closure).
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
REPEAT = int(os.environ.get("SYNAP_BENCH_COLD_REPEAT", "9"))
ZIP_BUDGET_MB = 2.0
FORBIDDEN = ("pulumi", "typer", "rich", "moto")
#: Top-level names in the zip that the Lambda runtime provides or that must stay out.
NOT_IN_ZIP = ("boto3", "botocore", "s3transfer", "pulumi", "pulumi_aws", "typer", "rich", "moto")

_PROBE = """
import json, sys, time
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"seconds": seconds, "forbidden": loaded}}))
"""

PROBES = {
    "handler": "import rotation.handler",
    "boto3": "import boto3",
    "handler_cold_path": (
        "from rotation.handler import lambda_handler\n"
        "from rotation.engine.config import Config\n"
        "from rotation.engine.context import Engine\n"
        "from rotation.engine import logs, operations, report, revoke\n"
        "Engine(Config(api_url='http://127.0.0.1:9', admin_secret_id='x'))"
        ".clients.client('secretsmanager')"
    ),
    "boto3_cold_path": "import boto3\nboto3.client('secretsmanager')",
}


def lambda_tree(work: Path = WORK) -> list[Path]:
    """``sys.path`` of the simulated Lambda: the host-built zip extracted, and a directory
    linking boto3's closure from this venv (the runtime's copy of it)."""
    import importlib.util

    code_dir, runtime_dir = work / "function", work / "runtime"
    shutil.rmtree(work, ignore_errors=True)
    runtime_dir.mkdir(parents=True)
    host_zip = work / "rotation-lambda-host.zip"
    argv = [sys.executable, str(ROOT / "scripts" / "package_lambda.py"), "--host"]
    subprocess.run([*argv, "--output", str(host_zip)], capture_output=True, cwd=ROOT, check=True)
    with zipfile.ZipFile(host_zip) as zf:
        zf.extractall(code_dir)
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime_dir / source.name).symlink_to(source)
    return [code_dir, runtime_dir]


def _probe_env(path: list[Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SYNAP_", "PYTHON"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        }
    )
    return env


def probe(name: str, path: list[Path]) -> dict[str, Any]:
    """One fresh interpreter running one probe: its import seconds and forbidden modules."""
    code = _PROBE.format(body=PROBES[name], forbidden=FORBIDDEN)
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=path[0],
        env=_probe_env(path),
        timeout=120,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(repeat: int = REPEAT, path: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Median seconds per probe over ``repeat`` interleaved fresh interpreters (after a warm-up
    run of each, so every sample reads compiled bytecode, as the Lambda's zip does)."""
    path = path if path is not None else lambda_tree()
    samples: dict[str, list[float]] = {name: [] for name in PROBES}
    forbidden: dict[str, set[str]] = {name: set() for name in PROBES}
    for name in PROBES:
        probe(name, path)
    for _ in range(max(1, repeat)):
        for name in PROBES:
            result = probe(name, path)
            samples[name].append(float(result["seconds"]))
            forbidden[name].update(result["forbidden"])
    return {
        name: {
            "median": median_of(values),
            "samples": [round(v, 4) for v in values],
            "forbidden": sorted(forbidden[name]),
        }
        for name, values in samples.items()
    }


def build_zip(path: Path = ZIP) -> Path | None:
    """``make package`` (reproducible; fetched wheels are cached in build/wheels)."""
    argv = [sys.executable, str(ROOT / "scripts" / "package_lambda.py"), "--output", str(path)]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=600)
    if result.returncode != 0 and not path.exists():
        print(f"bench: make package failed: {result.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return path


def zip_facts(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        unpacked = sum(i.file_size for i in zf.infolist())
    tops = {n.split("/")[0] for n in names}
    return {
        "bytes": path.stat().st_size,
        "unpacked_bytes": unpacked,
        "files": len(names),
        "excluded_present": sorted(t for t in tops if t in NOT_IN_ZIP),
    }


def rows_from(times: dict[str, dict[str, Any]], facts: dict[str, Any] | None) -> list[Row]:
    ms = {name: round(t["median"] * 1000, 1) for name, t in times.items()}
    bad = sorted(set(times["handler"]["forbidden"]) | set(times["handler_cold_path"]["forbidden"]))
    handler_ratio = ratio(ms["handler"], ms["boto3"])
    path_ratio = ratio(ms["handler_cold_path"], ms["boto3_cold_path"])
    rows = [
        row(
            "cold start",
            "import rotation.handler from the zip (ms, median)",
            ms["handler"],
            "import boto3",
            ms["boto3"],
            handler_ratio,
            "<= 1.3x",
            handler_ratio is not None and handler_ratio <= 1.3,
            samples={k: v["samples"] for k, v in times.items()},
        ),
        row(
            "cold start",
            "first-invocation path: handler + engine + SM client (ms)",
            ms["handler_cold_path"],
            "import boto3 + SM client",
            ms["boto3_cold_path"],
            path_ratio,
            "<= 1.3x",
            path_ratio is not None and path_ratio <= 1.3,
        ),
        row(
            "cold start",
            "pulumi/typer/rich/moto loaded on the Lambda path",
            ", ".join(bad) or "none",
            "",
            "",
            None,
            "none",
            not bad,
        ),
    ]
    if facts is None:
        rows.append(row("cold start", "zip size (MB)", "n/a", "", "", None, "<= 2 MB", None))
        return rows
    mb = facts["bytes"] / 1e6
    rows.append(
        row(
            "cold start",
            f"zip size (MB; {facts['files']} files, {facts['unpacked_bytes'] / 1e6:.1f} MB raw)",
            round(mb, 2),
            "budget",
            ZIP_BUDGET_MB,
            ratio(mb, ZIP_BUDGET_MB),
            "<= 2 MB, no boto3",
            mb <= ZIP_BUDGET_MB and not facts["excluded_present"],
            excluded_present=facts["excluded_present"],
        )
    )
    return rows


def run(repeat: int = REPEAT, *, package: bool = True) -> list[Row]:
    path = build_zip() if package else (ZIP if ZIP.exists() else None)
    facts = zip_facts(path) if path is not None and path.exists() else None
    return rows_from(measure(repeat), facts)
