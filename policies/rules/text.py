"""The text engine: find every secret and SDK-setting violation in a buffer of bytes.

One pass of a compiled multi-pattern automaton (RE2 when ``google-re2`` is installed,
else Python's ``re``) over the whole buffer finds candidate lines; only those lines are
decoded and checked by the exact detectors. Work is linear in the input plus
proportional to the number of candidates, and non-UTF-8 bytes never stop a scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from policies.rules.model import Detector, Rule
from policies.rules.sdk import (
    SDK_PREFILTER,
    SDK_TIMEOUTS,
    SETTING_RULES,
    check_setting,
    find_settings,
    has_timeout,
)
from policies.rules.secrets import SECRET_RULES, inside_reference, value_of

__all__ = ["MAX_WINDOW", "TextEngine", "TextMatch", "default_engine", "scan_bytes"]

#: Bytes of a (possibly huge, single-line) line looked at around one candidate.
MAX_WINDOW = 4096
#: Bytes after a candidate line the detectors may read (private-key bodies).
_LOOKAHEAD = 512
_SYNAP_MARKERS = (b"synap", b"Synap", b"SYNAP")


class _Matcher(Protocol):
    def finditer(self, data: bytes) -> Iterator[Any]: ...


@dataclass(frozen=True)
class TextMatch:
    """One finding in text. ``value`` is the secret: never print it, redact it."""

    rule_id: str
    line: int
    column: int
    value: str = field(repr=False)
    line_text: str = field(repr=False)
    detail: str = ""


def _compile(patterns: Iterable[str]) -> tuple[_Matcher, str]:
    # A leading (?i) becomes a scoped (?i:...): Python only allows global flags up front.
    parts = [f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in patterns]
    source = "|".join(parts).encode()
    try:
        # google-re2 (optional): linear-time, multi-pattern, ~10x Python's re here; imported
        # when the first engine is built, not when the package is.
        import re2

        options = re2.Options()
        options.max_mem = 64 << 20
        return re2.compile(source, options), "re2"
    except ImportError:  # pragma: no cover - exercised when google-re2 is absent
        return re.compile(source), "re"


@dataclass
class _Window:
    start: int
    end: int
    line: int
    column_base: int


class TextEngine:
    """Detect secrets (and SDK settings) in bytes. Build once, scan many buffers."""

    def __init__(self, rules: tuple[Rule, ...] = SECRET_RULES) -> None:
        #: (rule id, detector) in priority order: catalogue order, fallback detectors last.
        self.detectors: tuple[tuple[str, Detector], ...] = tuple(
            sorted(
                ((rule.id, d) for rule in rules for d in rule.detectors),
                key=lambda pair: pair[1].fallback,
            )
        )
        # One automaton for every rule, SDK settings included: one pass per buffer.
        prefilters = [d.prefilter for _, d in self.detectors]
        self._matcher, self.backend = _compile([*prefilters, SDK_PREFILTER])

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule id a scan can report: the detectors' and the SDK settings' rules."""
        settings = [rule.id for rule in SETTING_RULES.values()]
        return tuple(dict.fromkeys([*(i for i, _ in self.detectors), *settings, SDK_TIMEOUTS.id]))

    def scan(self, data: bytes, *, whole_file: bool = True) -> list[TextMatch]:
        """All matches in ``data``, in line order. ``whole_file`` enables file-level rules."""
        found: list[TextMatch] = []
        synap: bool | None = None  # does the buffer mention Synap? (SDK rules apply then)
        first_setting: TextMatch | None = None
        for w in self._windows(self._matcher, data):
            text = data[w.start : w.end].decode("utf-8", errors="replace")
            found.extend(self._secret_window(data, w, text))
            if synap is None:
                synap = any(marker in data for marker in _SYNAP_MARKERS)
            if synap:
                for match, is_violation in self._settings(w, text):
                    first_setting = first_setting or match
                    if is_violation:
                        found.append(match)
        if (
            whole_file
            and first_setting is not None
            and not has_timeout(data.decode("utf-8", errors="replace"))
        ):
            found.append(
                TextMatch(
                    SDK_TIMEOUTS.id,
                    first_setting.line,
                    first_setting.column,
                    "",
                    first_setting.line_text,
                    "Synap SDK settings without connect/read/write timeouts",
                )
            )
        found.sort(key=lambda m: (m.line, m.column, m.rule_id))
        return found

    # -- candidates ---------------------------------------------------------------------

    @staticmethod
    def _windows(matcher: _Matcher, data: bytes) -> Iterator[_Window]:
        line_no, counted_to, window_end = 1, 0, -1
        for hit in matcher.finditer(data):
            pos = hit.start()
            if pos < window_end:
                continue  # this candidate's line is already being checked
            line_start = data.rfind(b"\n", 0, pos) + 1
            line_end = data.find(b"\n", pos)
            if line_end < 0:
                line_end = len(data)
            start = max(line_start, pos - MAX_WINDOW // 4)
            end = min(line_end, max(hit.end(), pos) + MAX_WINDOW)
            line_no += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            window_end = end
            yield _Window(start, end, line_no, len(data[line_start:start].decode(errors="replace")))

    def _secret_window(self, data: bytes, w: _Window, text: str) -> Iterator[TextMatch]:
        extended = ""
        taken: list[tuple[int, int]] = []
        for rule_id, detector in self.detectors:
            searched = text
            if detector.multiline:
                # only these read past the line; the others never pay for the lookahead
                extended = extended or text + data[w.end : w.end + _LOOKAHEAD].decode(
                    "utf-8", errors="replace"
                )
                searched = extended
            for m in detector.pattern.finditer(searched):
                if m.start() >= len(text):
                    break
                value, start, end = value_of(m)
                if any(start < e and s < end for s, e in taken):
                    continue
                if not detector.validate(value, searched[end : end + 2]):
                    continue
                if not detector.fixed_format and inside_reference(searched, m.start()):
                    continue
                taken.append((start, end))
                column = start if start < len(text) else m.start()  # a key body on later lines
                yield TextMatch(rule_id, w.line, w.column_base + column + 1, value, text)

    @staticmethod
    def _settings(w: _Window, text: str) -> Iterator[tuple[TextMatch, bool]]:
        """(match, is a violation) for each SDK setting in the window."""
        for key, value, col in find_settings(text):
            violation = check_setting(key, value)
            rule_id = violation.rule_id if violation else SDK_TIMEOUTS.id
            detail = violation.message if violation else ""
            yield (
                TextMatch(rule_id, w.line, w.column_base + col + 1, value, text, detail),
                bool(violation),
            )


@cache
def default_engine() -> TextEngine:
    """The shared engine, compiled on first use (not at import)."""
    return TextEngine()


def scan_bytes(data: bytes, *, whole_file: bool = True) -> list[TextMatch]:
    return default_engine().scan(data, whole_file=whole_file)
