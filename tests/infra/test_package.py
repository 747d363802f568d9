"""`make package`: the rotation Lambda zip is reproducible, small and imports cleanly."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import botocore
import pytest

from scripts import package_lambda as pkg

NEVER = ("boto3", "botocore", "s3transfer", "pulumi", "pulumi_aws", "typer", "rich", "moto")
#: Packages of rotation/ that run only on a workstation: the emulator and the CLI.
LOCAL_ONLY = ("rotation/emulator", "rotation/cli")


@pytest.fixture(scope="module")
def host_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pkg") / "rotation-lambda.zip"
    pkg.build(out, host=True)
    return out


def test_two_builds_are_byte_identical(host_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    pkg.build(again, host=True)
    assert again.read_bytes() == host_zip.read_bytes()
    with zipfile.ZipFile(host_zip) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {pkg.FIXED_TIME}


def test_zip_holds_rotation_and_light_dependencies_only(host_zip: Path) -> None:
    with zipfile.ZipFile(host_zip) as zf:
        names = zf.namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert {"rotation", "httpx", "jsonschema"} <= tops
    assert "aws_lambda_powertools" not in tops  # nothing under rotation/ imports it
    assert not tops & set(NEVER)
    assert "rotation/handler.py" in names
    assert not [n for n in names if n.startswith("rotation/emulator")]
    assert not [n for n in names if n.startswith("rotation/cli")]
    assert "rotation/__main__.py" not in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert host_zip.stat().st_size < 10 * 1024 * 1024


def test_zip_leaves_the_local_only_packages_out_whole(host_zip: Path) -> None:
    # GIVEN the local-only packages, each a package with modules of its own in the source tree
    source = {p.relative_to(pkg.ROOT).as_posix() for p in (pkg.ROOT / "rotation").rglob("*.py")}
    assert set(LOCAL_ONLY) <= set(pkg.EXCLUDED_PACKAGES)
    for package in LOCAL_ONLY:
        assert f"{package}/__init__.py" in source
        assert len([n for n in source if n.startswith(f"{package}/")]) > 1
    with zipfile.ZipFile(host_zip) as zf:
        names = {n for n in zf.namelist() if n.startswith("rotation/")}
    # THEN no file under them is in the zip, and every other module of rotation/ is
    for package in LOCAL_ONLY:
        assert not [n for n in names if n.startswith(f"{package}/")]
    kept = {n for n in source if not n.startswith(tuple(f"{p}/" for p in pkg.EXCLUDED_PACKAGES))}
    assert names == kept - set(pkg.EXCLUDED_MODULES)


def test_zip_imports_the_handler_in_a_clean_interpreter(host_zip: Path, tmp_path: Path) -> None:
    # GIVEN the zip unpacked, as Lambda does, and boto3 beside it (the runtime provides it)
    root = tmp_path / "task"
    with zipfile.ZipFile(host_zip) as zf:
        zf.extractall(root)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site = Path(boto3.__file__).parent.parent
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"):
        if (site / name).exists():
            (runtime / name).symlink_to(site / name)
    # WHEN a clean interpreter (-I: no user site, no cwd; -S: no site-packages) imports it
    code = (
        "import sys, rotation.handler, httpx, jsonschema;"
        "assert callable(rotation.handler.lambda_handler);"
        "assert httpx.__file__.startswith(sys.argv[1]), httpx.__file__;"
        "bad = [m for m in ('pulumi', 'typer', 'rich', 'moto') if m in sys.modules];"
        "print('ok', bad)"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path[:0] = {[str(root), str(runtime)]!r}; {code}",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    # THEN the handler and its dependencies load from the zip alone
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok []"
    assert botocore.__file__  # the runtime's boto3 came from the venv, through the symlinks


def test_compiled_dependencies_come_from_aarch64_wheels(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def fake_pip(args: list[str]) -> None:
        calls.append(args)
        dest = Path(args[args.index("--dest") + 1])
        name, version = args[0].split("==")
        wheel = dest / f"{name.replace('-', '_')}-{version}-cp312-cp312-manylinux2014_aarch64.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("rpds/__init__.py", "# aarch64 build\n")
            zf.writestr(f"rpds_py-{version}.dist-info/RECORD", "")

    entries = pkg.collect(cache=tmp_path / "wheels", run=fake_pip)
    assert len(calls) == 1
    args = calls[0]
    assert args[0].startswith("rpds-py==")
    for flag in ("--only-binary=:all:", "--no-deps", "manylinux2014_aarch64", "3.12"):
        assert flag in args
    assert entries["rpds/__init__.py"] == b"# aarch64 build\n"
    assert not [n for n in entries if n.startswith("rpds_py-") and "dist-info" in n]
    # a second build uses the cache, no download
    pkg.collect(cache=tmp_path / "wheels", run=fake_pip)
    assert len(calls) == 1


def test_no_wheel_for_the_platform_is_a_clear_error(tmp_path: Path) -> None:
    def failing_pip(args: list[str]) -> None:
        raise subprocess.CalledProcessError(1, ["pip", "download"])

    with pytest.raises(
        pkg.PackageError, match=r"no manylinux aarch64 wheel of rpds-py==.+ for Python 3.12"
    ):
        pkg.collect(cache=tmp_path / "empty", run=failing_pip)


def test_dependency_closure_leaves_the_runtime_provided_libraries_out() -> None:
    names = {d.name for d in pkg.dependency_closure()}
    assert {"httpx", "httpcore", "h11", "anyio", "idna", "certifi"} <= names
    assert {"jsonschema", "referencing", "rpds-py"} <= names
    assert not names & {"boto3", "botocore", "s3transfer", "pulumi", "typer", "rich", "moto"}
