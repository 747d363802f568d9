"""Secret detectors: one per secret rule, each an exact Python pattern plus a validator.

Each detector also declares a *prefilter*: an RE2-compatible pattern that matches a
superset of its lines. The engine (:mod:`policies.rules.text`) runs all prefilters as
one compiled automaton over the whole buffer and only hands candidate lines to the
exact patterns here, so the cost is one linear pass plus work proportional to hits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from policies.rules.filters import (
    entropy,
    is_code_like,
    is_placeholder,
    is_reference,
    looks_random,
)
from rotation.keys import KEY_PATTERN

__all__ = ["DETECTORS", "Detector", "inside_reference", "value_of"]

Validator = Callable[[str, str], bool]  # (value, text following the value) -> is a secret
_TOKEN_BREAK = re.compile(r"""[\s"'`,;()\[\]{}<>]""")


def inside_reference(text: str, start: int) -> bool:
    """True when the match sits inside an ARN or Secrets Manager/SSM reference token."""
    head = text[max(0, start - 256) : start]
    breaks = [m.end() for m in _TOKEN_BREAK.finditer(head)]
    token = head[breaks[-1] :] if breaks else head
    lowered = token.lower()
    return "arn:" in lowered or "resolve:" in lowered or "secretsmanager" in lowered


@dataclass(frozen=True)
class Detector:
    rule_id: str
    #: RE2 syntax, no lookaround: matches every line the exact pattern can match.
    prefilter: str
    #: Exact pattern; the secret is group ``value`` (or the whole match).
    pattern: re.Pattern[str]
    validate: Validator


def value_of(m: re.Match[str]) -> tuple[str, int, int]:
    """The secret value of a match and its span in the searched text."""
    if "value" in m.re.groupindex and m.group("value") is not None:
        return m.group("value"), m.start("value"), m.end("value")
    return m.group(0), m.start(), m.end()


def _synap(value: str, following: str) -> bool:
    return not is_placeholder(value, strict=True)


def _aws_key_id(value: str, following: str) -> bool:
    return not is_placeholder(value, strict=True) and entropy(value[4:]) >= 2.5


def _aws_secret(value: str, following: str) -> bool:
    return not is_placeholder(value, strict=True) and entropy(value) >= 3.5


def _generic(value: str, following: str) -> bool:
    if value.startswith("synap_"):
        return False  # Synap-shaped values are the synap-api-key rule's to judge
    # cheapest and most decisive first: most candidates are code
    if is_code_like(value, following) or is_reference(value) or is_placeholder(value):
        return False
    if value.lower().startswith(("sha1-", "sha256-", "sha384-", "sha512-")):
        return False  # lockfile integrity hashes
    return looks_random(value)


def _private_key(value: str, following: str) -> bool:
    return not is_placeholder(value, strict=True)


def _hex_secret(value: str, following: str) -> bool:
    return not is_placeholder(value, strict=True) and entropy(value) >= 3.0


def _token(value: str, following: str) -> bool:
    if is_code_like(value, following) or is_reference(value) or is_placeholder(value):
        return False
    return looks_random(value, min_length=16)


def _url_password(value: str, following: str) -> bool:
    lowered = value.lower()
    if is_reference(value) or is_placeholder(value) or lowered in ("password", "pass", "secret"):
        return False
    if "{" in value or "}" in value:
        return False  # a template: f"...:{password}@", "{{ .Password }}", "%{PASS}"
    return len(value) >= 6 and entropy(value) >= 2.0


# Spaces and tabs only: a separator never crosses a line (values live on their own line).
_SEP = r"""["'`]?(?:[ \t]*(?:=>|:=|[:=])[ \t]*|[ \t]+)["'`]?"""
_SEP_RE2 = _SEP
_KEYWORDS = (
    r"api[_.-]?key|apikey|secret|token|passw(?:or)?d|pwd|credentials?|auth[_.-]?key"
    r"|access[_.-]?key"
)
_GENERIC_VALUE = r"[A-Za-z0-9_\-+/=.~]"
# RE2 has no lookahead: "16+ value characters, one of them a digit" spelled out by the
# digit's position (0..14, or later), so the prefilter is exactly as wide as the validator.
_DIGIT_VALUE_RE2 = (
    "(?:"
    + "|".join(f"{_GENERIC_VALUE}{{{k}}}[0-9]{_GENERIC_VALUE}{{{15 - k}}}" for k in range(15))
    + f"|{_GENERIC_VALUE}{{15,}}[0-9])"
)

DETECTORS: tuple[Detector, ...] = (
    # Order is priority: when two matches overlap on a line the earlier detector wins.
    Detector(
        "synap-api-key",
        r"synap_[0-9A-Za-z]{58}",
        re.compile(KEY_PATTERN.pattern),
        _synap,
    ),
    Detector(
        "aws-access-key-id",
        r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",
        re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
        _aws_key_id,
    ),
    Detector(
        "aws-secret-access-key",
        r"(?i)(?:aws_?secret|secret_?access_?key)",
        re.compile(
            r"(?i)(?:aws_?secret(?:_?access)?(?:_?key)?|secret_?access_?key)"
            + _SEP
            + r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
        _aws_secret,
    ),
    Detector(
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY",
        re.compile(
            r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"""(?:\\[nr]|[\s"',])*(?:[A-Za-z-]+: [^\n]*(?:\\n|\n)+)*"""
            r"(?P<value>[A-Za-z0-9+/=]{40,})"
        ),
        _private_key,
    ),
    Detector(
        "webhook-signing-secret",
        r"(?i)(?:sign|webhook|hmac)[A-Za-z0-9_.-]*" + _SEP_RE2 + r"[0-9a-fA-F]{64}|whsec_",
        re.compile(
            r"(?i)(?:sign(?:ing)?|signature|webhook|hmac)[A-Za-z0-9_.-]*"
            + _SEP
            + r"(?P<value>[0-9a-fA-F]{64})(?![0-9a-zA-Z])"
            r"|(?<![A-Za-z0-9_])(?P<whsec>whsec_[A-Za-z0-9+/=]{24,})"
        ),
        _hex_secret,
    ),
    Detector(
        "bearer-token",
        r"(?i)bearer[ \t]+[A-Za-z0-9\-._~+/]*[0-9]",
        re.compile(r"(?i)(?<![A-Za-z0-9])bearer[ \t]+(?P<value>[A-Za-z0-9\-._~+/]{16,}=*)"),
        _token,
    ),
    Detector(
        "credential-in-url",
        r"(?i)[?&](?:access_token|token|api_key|apikey|key|auth|secret|sig|signature|password)="
        r"|://[^/\s:@\"']+:[^/\s@\"']{6,}@",
        re.compile(
            r"(?i)[?&](?:access_token|token|api_key|apikey|key|auth|secret|sig|signature|password)="
            r"(?P<value>[^&\s\"'#<>]{16,})"
        ),
        _token,
    ),
    Detector(
        "credential-in-url",
        r"://[^/\s:@\"']+:[^/\s@\"']{6,}@",
        re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@\"']+:(?P<value>[^/\s@\"']{6,})@[^\s/@]"),
        _url_password,
    ),
    Detector(
        "generic-secret-assignment",
        # A validated value always holds a digit: code (`token = self.get_token()`) never
        # becomes a candidate, which keeps the exact pass proportional to real hits.
        r"(?i)(?:" + _KEYWORDS + r")[A-Za-z0-9_.-]*" + _SEP_RE2 + _DIGIT_VALUE_RE2,
        # The name starts at a boundary and stays name-sized, so a keyword that happens
        # to occur inside a random blob (ciphertext, base64) does not make it a name.
        re.compile(
            # keyword at the name's start, after _ . - or at a camelCase hump
            r"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_.-]{0,32}?(?:[_.-]|(?<=[a-z0-9])(?=[A-Z])))?"
            rf"(?i:{_KEYWORDS})[A-Za-z0-9_.-]{{0,32}}{_SEP}(?P<value>{_GENERIC_VALUE}{{16,}})"
        ),
        _generic,
    ),
)
