"""The secret scanner: files, directories (respecting .gitignore), a git diff or the index.

The adapter part of the scanner: it reads files and runs git, then hands bytes to the
pure rule engine (:mod:`policies.findings`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from policies.findings import findings_from_bytes
from policies.gitdiff import added_lines
from policies.rules.model import Enforcement, Finding
from policies.rules.text import default_engine

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "PARALLEL_MIN_FILES",
    "ScanResult",
    "Skipped",
    "iter_files",
    "scan_bytes_as",
    "scan_diff",
    "scan_paths",
]

#: Files (or a file's added lines) larger than this are skipped and reported.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
_BINARY_PROBE = 8192
#: From this many files on, a directory scan uses one worker process per core.
PARALLEL_MIN_FILES = 256


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_scanned: int = 0
    bytes_scanned: int = 0
    allowed: int = 0
    baselined: int = 0

    @property
    def failed(self) -> bool:
        """True when a mandatory finding remains: the scan should block."""
        return any(f.enforcement == "mandatory" for f in self.findings)

    def add(
        self, path: str, data: bytes, enforcement: Mapping[str, Enforcement], **kw: object
    ) -> None:
        text = findings_from_bytes(data, path, enforcement, **kw)  # type: ignore[arg-type]
        self.findings.extend(text.findings)
        self.allowed += text.allowed
        self.files_scanned += 1
        self.bytes_scanned += len(data)


_Specs = list[tuple[str, pathspec.GitIgnoreSpec]]


def _gitignore(directory: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8") as fh:
            return pathspec.GitIgnoreSpec.from_lines(fh.read().splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def _ignored(specs: _Specs, path: str, is_dir: bool) -> bool:
    """Stacked .gitignore files, each relative to its own directory (git's semantics)."""
    for base, spec in specs:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if spec.match_file(rel + "/" if is_dir else rel):
            return True
    return False


def _walk(directory: str, specs: _Specs, errors: list[Skipped] | None) -> Iterator[Path]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        if errors is not None:
            errors.append(Skipped(directory, f"unreadable: {exc.strerror or exc}"))
        return
    if any(e.name == ".gitignore" for e in entries):
        spec = _gitignore(directory)
        if spec is not None:
            specs = [*specs, (directory, spec)]
    for entry in entries:
        # DirEntry answers from the listing itself: no extra stat per file
        if entry.is_dir(follow_symlinks=False):
            if entry.name != ".git" and not _ignored(specs, entry.path, True):
                yield from _walk(entry.path, specs, errors)
        elif entry.is_file(follow_symlinks=False) and not _ignored(specs, entry.path, False):
            yield Path(entry.path)


def iter_files(root: Path, errors: list[Skipped] | None = None) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order, skipping ``.git``, symlinks and what
    .gitignore ignores. Directories that cannot be listed are appended to ``errors``.
    """
    if not root.is_dir():
        yield root
        return
    yield from _walk(str(root), [], errors)


def _display(path: Path, base: str | None) -> str:
    text = os.path.abspath(path)
    if base is not None and text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


def scan_bytes_as(
    result: ScanResult,
    path: str,
    data: bytes,
    enforcement: Mapping[str, Enforcement],
    max_file_size: int,
    **kw: object,
) -> None:
    """Scan one buffer into ``result``, or record why it was skipped."""
    if len(data) > max_file_size:
        result.skipped.append(Skipped(path, f"larger than {max_file_size} bytes ({len(data)})"))
    elif data.find(b"\0", 0, _BINARY_PROBE) >= 0:
        result.skipped.append(Skipped(path, "binary"))
    else:
        result.add(path, data, enforcement, **kw)


def _scan_files(
    files: Sequence[tuple[Path, str]], enforcement: Mapping[str, Enforcement], max_file_size: int
) -> ScanResult:
    result = ScanResult()
    for path, shown in files:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > max_file_size:
                    result.skipped.append(
                        Skipped(shown, f"larger than {max_file_size} bytes ({size})")
                    )
                    continue
                data = fh.read()
        except OSError as exc:
            result.skipped.append(Skipped(shown, f"unreadable: {exc.strerror or exc}"))
            continue
        scan_bytes_as(result, shown, data, enforcement, max_file_size)
    return result


def _merge(parts: Sequence[ScanResult]) -> ScanResult:
    merged = ScanResult()
    for part in parts:
        merged.findings.extend(part.findings)
        merged.skipped.extend(part.skipped)
        merged.files_scanned += part.files_scanned
        merged.bytes_scanned += part.bytes_scanned
        merged.allowed += part.allowed
    return merged


def _jobs(requested: int | None, files: Sequence[tuple[Path, str]]) -> int:
    # fork() with other threads alive can deadlock a child: stay sequential then
    if sys.platform != "linux" or threading.active_count() > 1:
        return 1
    if requested is not None:
        return max(1, requested)
    return min(os.cpu_count() or 1, 8) if len(files) >= PARALLEL_MIN_FILES else 1


def scan_paths(
    paths: Sequence[Path],
    enforcement: Mapping[str, Enforcement],
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    base: Path | None = None,
    jobs: int | None = None,
) -> ScanResult:
    """Scan files and directories; paths are reported relative to ``base`` when given.

    Large trees are split across ``jobs`` worker processes (default: one per core once
    there are :data:`PARALLEL_MIN_FILES` files); results are merged in path order.
    """
    shown_base = os.path.abspath(base) if base is not None else None
    missing: list[Skipped] = []
    files: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            missing.append(Skipped(root.as_posix(), "does not exist"))
            continue
        files.extend((path, _display(path, shown_base)) for path in iter_files(root, missing))
    workers = _jobs(jobs, files)
    if workers == 1:
        result = _scan_files(files, enforcement, max_file_size)
    else:
        default_engine()  # compile once; forked workers inherit it
        chunks = [files[i::workers] for i in range(workers)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            parts = pool.starmap(
                _scan_files, [(chunk, dict(enforcement), max_file_size) for chunk in chunks]
            )
        result = _merge(parts)
        order = {shown: i for i, (_, shown) in enumerate(files)}
        result.findings.sort(key=lambda f: (order.get(f.path, 0), f.line, f.column))
        result.skipped.sort(key=lambda s: order.get(s.path, 0))
    result.skipped[:0] = missing
    return result


def scan_diff(
    repo: Path,
    enforcement: Mapping[str, Enforcement],
    *,
    rev_range: str | None = None,
    staged: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> ScanResult:
    """Scan only the added lines of ``rev_range`` (or of the index): cost follows the diff."""
    result = ScanResult()
    for diff in added_lines(repo, rev_range, staged=staged):
        if diff.binary:
            result.skipped.append(Skipped(diff.path, "binary"))
            continue
        if not diff.lines:
            continue
        data = b"\n".join(text for _, text in diff.lines)
        line_map = [number for number, _ in diff.lines]
        scan_bytes_as(
            result, diff.path, data, enforcement, max_file_size, line_map=line_map, whole_file=False
        )
    return result
