"""The git adapter: added lines of a diff range or of the index, via the ``git`` CLI."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policies.exceptions import DiffRangeError, GitError

__all__ = ["DiffFile", "added_lines", "parse_diff"]

Runner = Callable[..., subprocess.CompletedProcess[bytes]]
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_RANGE = re.compile(r"^(?P<base>[^.\s][^\s]*?)(?P<dots>\.\.\.?)(?P<head>[^.\s][^\s]*)$")


@dataclass
class DiffFile:
    """The added lines of one file: ``(line number in the new file, bytes)``."""

    path: str
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    binary: bool = False


def parse_diff(raw: bytes) -> list[DiffFile]:
    """Parse ``git diff --unified=0`` output into the added lines of each file."""
    files: list[DiffFile] = []
    current: DiffFile | None = None
    in_hunk = False
    new_line = 0
    for line in raw.split(b"\n"):
        if line.startswith(b"diff --git "):
            current, in_hunk = DiffFile(path=""), False
            files.append(current)
        elif current is None:
            continue
        elif not in_hunk and line.startswith(b"+++ "):
            target = line[4:].decode("utf-8", errors="replace")
            current.path = target[2:] if target.startswith("b/") else target
        elif not in_hunk and line.startswith(b"Binary files "):
            current.binary = True
            if not current.path:
                tail = line.decode("utf-8", errors="replace").rsplit(" and ", 1)[-1]
                current.path = tail.removesuffix(" differ").removeprefix("b/")
        elif line.startswith(b"@@ "):
            m = _HUNK.match(line)
            in_hunk, new_line = m is not None, int(m.group(1)) if m else 0
        elif in_hunk and line.startswith(b"+"):
            current.lines.append((new_line, line[1:]))
            new_line += 1
        elif in_hunk and line.startswith(b" "):
            new_line += 1
    return [f for f in files if f.path and f.path != "/dev/null"]


def _git(repo: Path, args: Sequence[str], run: Runner) -> subprocess.CompletedProcess[bytes]:
    try:
        return run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc


def _verify(repo: Path, rev: str, rev_range: str, run: Runner) -> None:
    out = _git(repo, ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], run)
    if out.returncode != 0:
        raise DiffRangeError(f"diff range {rev_range!r}: unknown revision {rev!r}")


def added_lines(
    repo: Path,
    rev_range: str | None = None,
    *,
    staged: bool = False,
    run: Runner = subprocess.run,
) -> list[DiffFile]:
    """Added lines of ``BASE..HEAD`` (or ``BASE...HEAD``), or of the index when ``staged``."""
    probe = _git(repo, ["rev-parse", "--is-inside-work-tree"], run)
    if probe.returncode != 0:
        raise DiffRangeError(f"{repo} is not inside a git repository")
    args = [
        "-c",
        "core.quotepath=off",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "--unified=0",
        "--diff-filter=ACMR",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ]
    if staged:
        args.append("--cached")
    else:
        if rev_range is None:
            raise DiffRangeError("a diff range BASE..HEAD is required")
        m = _RANGE.match(rev_range)
        if not m:
            raise DiffRangeError(f"diff range {rev_range!r} is not of the form BASE..HEAD")
        _verify(repo, m.group("base"), rev_range, run)
        _verify(repo, m.group("head"), rev_range, run)
        args.append(rev_range)
    out = _git(repo, args, run)
    if out.returncode != 0:
        message = out.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise GitError(f"git diff failed: {message[0] if message else out.returncode}")
    return parse_diff(out.stdout)
