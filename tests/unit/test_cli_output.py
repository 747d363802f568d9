"""What the CLIs print: keys never echoed, one-line errors, the runner's exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from rotation.cli.output import ExitCode, fail, run_app, say, scrub
from rotation.keys import generate_key, redact

KEY = generate_key()


def test_scrub_replaces_every_key_with_its_preview_and_keeps_the_rest() -> None:
    other = generate_key()
    line = f"secret {KEY} and '{other}' (key_0123)"
    assert scrub(line) == f"secret {redact(KEY)} and '{redact(other)}' (key_0123)"
    assert scrub("no key here: synap_short") == "no key here: synap_short"


def test_fail_prints_one_redacted_line_and_returns_the_exit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_ = fail(f"--host {KEY!r} is not a loopback address", ExitCode.USAGE)
    assert exit_.exit_code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"synap-rotation: error: --host '{redact(KEY)}' is not a loopback address\n"
    say(f"text {KEY}")
    assert capsys.readouterr().out == f"text {redact(KEY)}\n"


def _app(error: Exception) -> typer.Typer:
    app = typer.Typer(add_completion=False)

    @app.command()
    def boom(value: str) -> None:
        raise error

    @app.command()
    def other() -> None:
        return None

    return app


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (ValueError(f"bad {KEY}"), 1, f"prog: error: bad {redact(KEY)}"),
        (KeyError("x"), 3, "prog: unexpected error: KeyError"),
    ],
    ids=["library-error", "unexpected"],
)
def test_run_app_maps_errors_to_one_redacted_line_and_a_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    code: int,
    line: str,
) -> None:
    monkeypatch.setattr(sys, "argv", ["prog", "boom", KEY])
    with pytest.raises(SystemExit) as exited:
        run_app(_app(error), "prog", [(ValueError, ExitCode.FAILURE)])
    assert exited.value.code == code
    assert capsys.readouterr().err == line + "\n"


def test_a_usage_error_never_echoes_a_key_typed_as_an_argument(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["prog", KEY])
    with pytest.raises(SystemExit) as exited:
        run_app(_app(ValueError()), "prog", [])
    assert exited.value.code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("prog: usage error: ") and redact(KEY) in err
    assert KEY not in err


@pytest.mark.parametrize(
    ("entry", "prog", "missing"),
    [
        ("rotation.cli", "synap-rotation", "typer"),
        ("policies.console", "synap-policy", "typer"),
        ("policies.console", "synap-policy", "yaml"),
        ("policies.console", "synap-policy", "pathspec"),
    ],
)
def test_without_the_cli_extra_each_entry_point_says_which_extra_to_install(
    entry: str, prog: str, missing: str
) -> None:
    code = f"import sys; sys.modules[{missing!r}] = None\nfrom {entry} import main; main()"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 2
    assert out.stderr == (
        f"{prog}: error: the command line needs the extra: pip install 'synap-keyops[cli]'\n"
    )
