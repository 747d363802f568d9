"""`make package`: build the rotation Lambda zip, reproducibly, into build/rotation-lambda.zip.

The zip holds `rotation/` (without the `rotation.emulator` and `rotation.cli` packages and
`__main__`) and the closure
of its light runtime dependencies (httpx, jsonschema), never boto3
and friends (the Lambda runtime has them) nor pulumi, typer, rich or moto.

Pure-Python dependencies are copied from the project venv's installed files (offline, and
the versions the tests ran with). Compiled ones (rpds-py, under jsonschema) must match the
Lambda's arm64 / Python 3.12 runtime, so their manylinux aarch64 wheel is fetched once with
`pip download` into build/wheels/ (a cache; PyPI only). Entries are sorted, timestamps and
permissions fixed: two builds from the same tree are byte-identical.

    python scripts/package_lambda.py [--output build/rotation-lambda.zip] [--host] [--json]

`--host` takes compiled dependencies from the venv instead (for tests on this machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
ROOTS = ("httpx", "jsonschema")
#: In the Lambda Python runtime already, or never wanted in the function.
EXCLUDED_DISTS = frozenset(
    canonicalize_name(n)
    for n in (
        "boto3",
        "botocore",
        "s3transfer",
        "urllib3",
        "python-dateutil",
        "six",
        "pulumi",
        "pulumi-aws",
        "typer",
        "rich",
        "moto",
    )
)
#: Local-only: ``python -m rotation`` (the CLI's entry point).
EXCLUDED_MODULES = ("rotation/__main__.py",)
#: Local-only packages, left out whole: the emulator and the CLI (typer and rich are not in
#: the zip).
EXCLUDED_PACKAGES = ("rotation/emulator", "rotation/cli")
LAMBDA_ENV = {
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
PIP_PLATFORM = ("--platform", "manylinux2014_aarch64", "--python-version", "3.12")

Runner = Callable[[list[str]], None]


class PackageError(Exception):
    """The zip cannot be built (missing dependency, no wheel for arm64)."""


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    pure: bool


def dependency_closure(roots: Iterable[str] = ROOTS) -> list[Dist]:
    """Installed distributions needed by `roots` on the Lambda runtime, boto3 family excluded."""
    seen: dict[str, Dist] = {}
    todo = [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen or name in EXCLUDED_DISTS:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise PackageError(f"{name} is not installed in this venv (make install)") from None
        wheel = dist.read_text("WHEEL") or ""
        seen[name] = Dist(name, dist.version, "Root-Is-Purelib: true" in wheel)
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or Marker(str(req.marker)).evaluate(LAMBDA_ENV):
                todo.append(canonicalize_name(req.name))
    return sorted(seen.values(), key=lambda d: d.name)


def _installed_files(dist_name: str) -> Iterator[tuple[str, Path]]:
    dist = metadata.distribution(dist_name)
    for file in dist.files or []:
        arc = file.as_posix()
        if arc.startswith("..") or "__pycache__" in arc or arc.endswith(".pyc"):
            continue  # console scripts and bytecode: not needed in the function
        if ".dist-info/" in arc and "licen" not in arc.lower() and not arc.endswith("/METADATA"):
            continue  # keep a dependency's metadata and licence, nothing else of its dist-info
        yield arc, Path(str(dist.locate_file(file)))


def _pip_download(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", *args], check=True)


def _wheel_files(dist: Dist, cache: Path, run: Runner) -> Iterator[tuple[str, bytes]]:
    """Files of the manylinux aarch64 cp312 wheel of a compiled dependency."""
    pattern = f"{dist.name.replace('-', '_')}-{dist.version}-*.whl"
    wheels = sorted(cache.glob(pattern))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        try:
            run(
                [
                    f"{dist.name}=={dist.version}",
                    "--no-deps",
                    "--only-binary=:all:",
                    *PIP_PLATFORM,
                    "--implementation",
                    "cp",
                    "--dest",
                    str(cache),
                ]
            )
        except (subprocess.CalledProcessError, OSError) as exc:
            raise PackageError(
                f"no manylinux aarch64 wheel of {dist.name}=={dist.version} for Python 3.12 "
                f"(pip download failed: {exc}); put one in {cache}"
            ) from None
        wheels = sorted(cache.glob(pattern))
    if not wheels:
        raise PackageError(f"pip download left no {pattern} in {cache}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        for info in wheel.infolist():
            if not info.is_dir() and ".dist-info/" not in info.filename:
                yield info.filename, wheel.read(info)


def excluded(arc: str) -> bool:
    """True for a file of ``rotation/`` that stays out of the zip (local-only)."""
    path = PurePosixPath(arc)
    return arc in EXCLUDED_MODULES or any(path.is_relative_to(p) for p in EXCLUDED_PACKAGES)


def collect(
    *, host: bool = False, cache: Path | None = None, run: Runner = _pip_download
) -> dict[str, bytes]:
    """Archive name -> content of everything the zip holds."""
    cache = cache or ROOT / "build" / "wheels"
    entries: dict[str, bytes] = {}
    for path in sorted((ROOT / "rotation").rglob("*.py")):
        arc = path.relative_to(ROOT).as_posix()
        if not excluded(arc):
            entries[arc] = path.read_bytes()
    for dist in dependency_closure():
        if dist.pure or host:
            for arc, path in _installed_files(dist.name):
                entries[arc] = path.read_bytes()
        else:
            entries.update(_wheel_files(dist, cache, run))
    return entries


def write_zip(entries: dict[str, bytes], output: Path) -> None:
    """Deterministic zip: sorted names, fixed timestamps and permissions."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the build host
            zf.writestr(info, entries[name], compresslevel=9)
    tmp.replace(output)


def build(
    output: Path, *, host: bool = False, cache: Path | None = None, run: Runner = _pip_download
) -> dict[str, object]:
    """Build the zip; returns a summary (path, size, sha256, files)."""
    entries = collect(host=host, cache=cache, run=run)
    write_zip(entries, output)
    data = output.read_bytes()
    tops = sorted({name.split("/", 1)[0] for name in entries})
    return {
        "output": str(output),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "files": len(entries),
        "top_level": tops,
        "platform": "host" if host else "manylinux2014_aarch64 / cp312",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "rotation-lambda.zip")
    parser.add_argument("--host", action="store_true", help="compiled deps from this venv")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    try:
        summary = build(args.output, host=args.host)
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        size = int(str(summary["bytes"]))
        print(
            f"{summary['output']}: {size / 1024 / 1024:.2f} MiB, {summary['files']} files, "
            f"sha256 {str(summary['sha256'])[:16]}… ({summary['platform']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
