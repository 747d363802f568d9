"""Repository practices from the production checklist: rules over a repository's text files.

Three rules, each decided by a pure function over ``(path, text)`` pairs (the caller
reads the files) and defined with it at the end of this module:

- ``webhook-verification``: code verifies webhook signatures (HMAC-SHA256 compared in
  constant time, or this project's ``WebhookVerifier``) and a test exercises it;
- ``correlation-id-logged``: error paths log the correlation id a support ticket needs;
- ``runbooks-present``: ``runbooks/`` holds a rotation page and a rollback page.

Positive evidence matters here (the checklist asks that something *exists*), so each
check returns :class:`PracticeResult`: the hits that prove the practice and, when it is
missing, the violation. No I/O, no Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from policies.rules.model import Hit, PracticeResult, Rule

__all__ = [
    "CODE_SUFFIXES",
    "CORRELATION_ID_LOGGED",
    "PRACTICE_RULES",
    "RUNBOOKS_DIR",
    "RUNBOOKS_PRESENT",
    "WEBHOOK_VERIFICATION",
    "Hit",
    "PracticeResult",
    "check_correlation_logging",
    "check_runbooks",
    "check_webhook_verification",
    "is_test_path",
]

RUNBOOKS_DIR = "runbooks"
#: Source files the code rules read (documentation and data files are not code).
CODE_SUFFIXES = frozenset(
    {".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".rb", ".java", ".kt", ".cs", ".php"}
)

# Constant-time comparisons across the languages an application team may use.
_CONSTANT_TIME = re.compile(
    r"hmac\.compare_digest|timingSafeEqual|hmac\.Equal|ConstantTimeCompare"
    r"|secure_compare|MessageDigest\.isEqual|FixedTimeEquals|hash_equals"
)
_HMAC_SHA256 = re.compile(r"(?i)hmac.{0,80}sha-?256|sha-?256.{0,80}hmac|HmacSHA256")
_VERIFIER = re.compile(r"\bWebhookVerifier\s*\(|\.verify\s*\([^)]*signature", re.IGNORECASE)
#: A test about verifying webhooks: ``verify_webhook``, ``WebhookVerifier``, "signature verified".
_TEST_MENTION = re.compile(
    r"(?i)verif\w{0,20}(?:[\s_.]+\w{1,20}){0,2}[\s_.]+(?:webhook|signature)"
    r"|(?:webhook|signature)\w{0,20}(?:[\s_.]+\w{1,20}){0,2}[\s_.]*verif"
)
_LOG_CALL = re.compile(
    r"(?:\b(?:log|logger|logging|LOG|LOGGER|_log|_logger|self\._log|self\.log|console)"
    r"\.(?P<method>log|error|exception|warning|warn|critical|fatal))\s*\("
)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_EXC_ARG = re.compile(
    r"\b(?:exc|err|error|ex|e)\b\s*[,)}]|\b(?:exc|err|error|ex|e)\.\w|\bexc_info\b"
)
#: An exception interpolated in an f-string or a template literal.
_EXC_INTERPOLATED = re.compile(r"\{\s*(?:exc|err|error|ex|e)\b")
_CORRELATION = re.compile(r"(?i)correlation[_-]?id")
#: Characters of a log call's arguments looked at (multi-line ``extra={...}`` included).
_CALL_CHARS = 1200
_ROTATION_PAGE = re.compile(r"(?i)rotat")
_ROLLBACK_PAGE = re.compile(r"(?i)roll[\s_-]?back")


def is_test_path(path: str) -> bool:
    """Tests by convention: ``tests/``, ``test_*.py``, ``*_test.go``, ``*.spec.ts``...

    >>> is_test_path("tests/unit/test_webhook.py"), is_test_path("app/webhook.py")
    (True, False)
    """
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "__tests__", "spec") for p in parts[:-1])
        or name.startswith("test_")
        or re.search(r"(?:_test|\.test|\.spec|Test)\.[A-Za-z]+$", name) is not None
    )


def _is_code(path: str) -> bool:
    dot = path.rfind(".")
    return dot >= 0 and path[dot:].lower() in CODE_SUFFIXES


def _first_line(pattern: re.Pattern[str], text: str) -> int:
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def check_webhook_verification(files: Iterable[tuple[str, str]]) -> PracticeResult:
    """Code that verifies a webhook signature in constant time, and a test that covers it."""
    implementations: list[Hit] = []
    tests: list[Hit] = []
    for path, text in files:
        if not _is_code(path):
            continue
        if is_test_path(path):
            line = _first_line(_TEST_MENTION, text)
            if line:
                tests.append(Hit(path, line, "tests webhook verification"))
            continue
        line = _first_line(_CONSTANT_TIME, text)
        if line and _HMAC_SHA256.search(text):
            implementations.append(Hit(path, line, "HMAC-SHA256, constant-time compare"))
        elif (line := _first_line(_VERIFIER, text)) and "WebhookVerifier" in text:
            implementations.append(Hit(path, line, "uses WebhookVerifier"))
    if not implementations:
        return PracticeResult(
            WEBHOOK_VERIFICATION.id,
            tuple(tests),
            "no code verifies a webhook signature (HMAC-SHA256 with a constant-time compare)",
        )
    if not tests:
        return PracticeResult(
            WEBHOOK_VERIFICATION.id,
            tuple(implementations),
            "webhook verification is implemented but no test exercises it",
        )
    return PracticeResult(WEBHOOK_VERIFICATION.id, tuple(implementations), extra=tuple(tests))


def check_correlation_logging(files: Iterable[tuple[str, str]]) -> PracticeResult:
    """Every log call that reports an error, in code that talks to Synap, logs its correlation id.

    A call reports an error when it is ``.exception(...)``, passes ``exc_info`` or names an
    exception variable (``exc``, ``err``, ``error``, ``ex``, ``e``) outside string literals.
    Files that never mention Synap and tests are not read. Fails when one such call lacks
    the id, or when no code logs a Synap error at all (nothing shows the practice).
    """
    with_id: list[Hit] = []
    without: list[Hit] = []
    for path, text in files:
        if not _is_code(path) or is_test_path(path) or "synap" not in text.lower():
            continue
        for m in _LOG_CALL.finditer(text):
            args = _call_arguments(text, m.end() - 1)
            code = _STRING.sub('""', args)
            reports_error = (
                m.group("method") == "exception"
                or _EXC_ARG.search(code) is not None
                or _EXC_INTERPOLATED.search(args) is not None
            )
            if not reports_error:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if _CORRELATION.search(args):
                with_id.append(Hit(path, line, "logs the correlation id"))
            else:
                without.append(Hit(path, line, "logs an error without the correlation id"))
    if without:
        return PracticeResult(
            CORRELATION_ID_LOGGED.id,
            tuple(without),
            f"{len(without)} error log call(s) without the correlation id "
            f"(first: {without[0].path}:{without[0].line})",
            extra=tuple(with_id),
        )
    if not with_id:
        return PracticeResult(CORRELATION_ID_LOGGED.id, (), "no code logs a Synap error")
    return PracticeResult(CORRELATION_ID_LOGGED.id, tuple(with_id))


def _call_arguments(text: str, open_paren: int) -> str:
    """The text of a call's arguments, up to the matching parenthesis (bounded)."""
    depth = 0
    limit = min(len(text), open_paren + _CALL_CHARS)
    for i in range(open_paren, limit):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[open_paren : i + 1]
    return text[open_paren:limit]


def check_runbooks(files: Iterable[tuple[str, str]]) -> PracticeResult:
    """``runbooks/`` has a Markdown page about rotation and one about rollback.

    A page counts by its file name or its first heading.
    """
    pages: list[tuple[str, str]] = []
    for path, text in files:
        norm = path.replace("\\", "/")
        if norm.startswith(f"{RUNBOOKS_DIR}/") and norm.lower().endswith((".md", ".markdown")):
            heading = next((ln for ln in text.splitlines() if ln.startswith("#")), "")
            pages.append((norm, f"{norm.rsplit('/', 1)[-1]} {heading}"))
    if not pages:
        return PracticeResult(RUNBOOKS_PRESENT.id, (), f"no Markdown pages under {RUNBOOKS_DIR}/")
    hits: list[Hit] = []
    missing: list[str] = []
    for label, pattern in (("rotation", _ROTATION_PAGE), ("rollback", _ROLLBACK_PAGE)):
        found = [path for path, title in pages if pattern.search(title)]
        if label == "rotation":  # "Roll back a rotation" is the rollback page, if others exist
            only = [p for p, t in pages if p in found and not _ROLLBACK_PAGE.search(t)]
            found = only or found
        if found:
            hits.append(Hit(found[0], 0, f"{label} runbook"))
        else:
            missing.append(label)
    if missing:
        return PracticeResult(
            RUNBOOKS_PRESENT.id,
            tuple(hits),
            f"{RUNBOOKS_DIR}/ has no {' or '.join(missing)} page",
        )
    return PracticeResult(RUNBOOKS_PRESENT.id, tuple(hits))


WEBHOOK_VERIFICATION = Rule(
    "webhook-verification",
    "Webhook signature verification implemented and tested",
    "config",
    "error",
    "mandatory",
    "Verify X-Synap-Signature (sha256=<hex>, HMAC-SHA256 of the raw body) with a "
    "constant-time compare (rotation.consumer.WebhookVerifier does) and test it.",
    "Webhook signature verification implemented and tested",
    practice=check_webhook_verification,
)
CORRELATION_ID_LOGGED = Rule(
    "correlation-id-logged",
    "Errors logged without their correlation id",
    "config",
    "error",
    "mandatory",
    "Log the error's correlation_id (extra={'correlation_id': exc.correlation_id}) "
    "so support can trace it.",
    "Correlation id logged on every error",
    practice=check_correlation_logging,
)
RUNBOOKS_PRESENT = Rule(
    "runbooks-present",
    "Runbooks for key rotation and rollback missing",
    "config",
    "error",
    "mandatory",
    "Add runbooks/ pages for rotation and for rollback (Markdown, commands tested).",
    "Runbooks for rotation and rollback",
    practice=check_runbooks,
)

#: Rule id -> rule, for the practices only, in catalogue order. Read-only.
PRACTICE_RULES: Mapping[str, Rule] = MappingProxyType(
    {r.id: r for r in (WEBHOOK_VERIFICATION, CORRELATION_ID_LOGGED, RUNBOOKS_PRESENT)}
)
