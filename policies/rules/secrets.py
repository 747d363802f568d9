"""Secret rules: each defined with its detectors, an exact Python pattern plus a validator.

Each detector also declares a *prefilter*: an RE2-compatible pattern that matches a
superset of its lines. The engine (:mod:`policies.rules.text`) runs all prefilters as
one compiled automaton over the whole buffer and only hands candidate lines to the
exact patterns here, so the cost is one linear pass plus work proportional to hits.
"""

from __future__ import annotations

import re

from policies.rules.filters import (
    entropy,
    is_code_like,
    is_placeholder,
    is_reference,
    looks_random,
)
from policies.rules.model import Detector, Rule
from rotation.keys import KEY_PATTERN

__all__ = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BEARER_TOKEN",
    "CREDENTIAL_IN_URL",
    "GENERIC_SECRET_ASSIGNMENT",
    "PRIVATE_KEY",
    "SECRET_RULES",
    "SYNAP_API_KEY",
    "WEBHOOK_SIGNING_SECRET",
    "inside_reference",
    "value_of",
]

_TOKEN_BREAK = re.compile(r"""[\s"'`,;()\[\]{}<>]""")


def inside_reference(text: str, start: int) -> bool:
    """True when the match sits inside an ARN or Secrets Manager/SSM reference token."""
    head = text[max(0, start - 256) : start]
    breaks = [m.end() for m in _TOKEN_BREAK.finditer(head)]
    token = head[breaks[-1] :] if breaks else head
    lowered = token.lower()
    return "arn:" in lowered or "resolve:" in lowered or "secretsmanager" in lowered


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

_NO_LITERAL = "Synap keys never embedded in code or config"
_NO_CLOUD_CREDENTIAL = "Cloud credentials never embedded in code or config"

SYNAP_API_KEY = Rule(
    "synap-api-key",
    "Synap API key in text",
    "secret",
    "error",
    "mandatory",
    "Remove the key, revoke it (synap-rotation emergency-revoke) and read it from "
    "Secrets Manager at runtime.",
    _NO_LITERAL,
    detectors=(
        Detector(
            r"synap_[0-9A-Za-z]{58}",
            re.compile(KEY_PATTERN.pattern),
            _synap,
            fixed_format=True,
        ),
    ),
)
AWS_ACCESS_KEY_ID = Rule(
    "aws-access-key-id",
    "AWS access key id in text",
    "secret",
    "error",
    "mandatory",
    "Remove the key id, deactivate the access key in IAM and use a role instead.",
    _NO_CLOUD_CREDENTIAL,
    detectors=(
        Detector(
            r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",
            re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
            _aws_key_id,
            fixed_format=True,
        ),
    ),
)
AWS_SECRET_ACCESS_KEY = Rule(
    "aws-secret-access-key",
    "AWS secret access key in text",
    "secret",
    "error",
    "mandatory",
    "Remove the secret key, deactivate the access key in IAM and use a role instead.",
    _NO_CLOUD_CREDENTIAL,
    detectors=(
        Detector(
            r"(?i)(?:aws_?secret|secret_?access_?key)",
            re.compile(
                r"(?i)(?:aws_?secret(?:_?access)?(?:_?key)?|secret_?access_?key)"
                + _SEP
                + r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
            ),
            _aws_secret,
        ),
    ),
)
GENERIC_SECRET_ASSIGNMENT = Rule(
    "generic-secret-assignment",
    "High-entropy value assigned to an api_key/token/secret/password name",
    "secret",
    "error",
    "mandatory",
    "Move the value to Secrets Manager and reference it (ARN, ${VAR} or secure: config).",
    _NO_LITERAL,
    detectors=(
        Detector(
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
            fallback=True,  # any specific format inside the value is that rule's to report
        ),
    ),
)
PRIVATE_KEY = Rule(
    "private-key",
    "Private key block",
    "secret",
    "error",
    "mandatory",
    "Remove the key, rotate it, and keep it in Secrets Manager or a KMS-backed store.",
    "Credentials never embedded in code or config",
    detectors=(
        Detector(
            r"-----BEGIN [A-Z ]*PRIVATE KEY",
            re.compile(
                r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"
                r"""(?:\\[nr]|[\s"',])*(?:[A-Za-z-]+: [^\n]*(?:\\n|\n)+)*"""
                r"(?P<value>[A-Za-z0-9+/=]{40,})"
            ),
            _private_key,
            fixed_format=True,
            multiline=True,
        ),
    ),
)
WEBHOOK_SIGNING_SECRET = Rule(
    "webhook-signing-secret",
    "Webhook signing secret (64 hex next to a signing keyword)",
    "secret",
    "error",
    "mandatory",
    "Store the signing secret in Secrets Manager (synap/<instance>/webhook-secret) and rotate it.",
    "Webhook signing secrets kept in a secrets manager",
    detectors=(
        Detector(
            r"(?i)(?:sign|webhook|hmac)[A-Za-z0-9_.-]*" + _SEP_RE2 + r"[0-9a-fA-F]{64}|whsec_",
            re.compile(
                r"(?i)(?:sign(?:ing)?|signature|webhook|hmac)[A-Za-z0-9_.-]*"
                + _SEP
                + r"(?P<value>[0-9a-fA-F]{64})(?![0-9a-zA-Z])"
                r"|(?<![A-Za-z0-9_])(?P<whsec>whsec_[A-Za-z0-9+/=]{24,})"
            ),
            _hex_secret,
        ),
    ),
)
BEARER_TOKEN = Rule(
    "bearer-token",
    "Bearer token in a header, curl line or URL",
    "secret",
    "error",
    "mandatory",
    'Pass the token from an environment variable (-H "Authorization: Bearer $SYNAP_API_KEY").',
    _NO_LITERAL,
    detectors=(
        Detector(
            r"(?i)bearer[ \t]+[A-Za-z0-9\-._~+/]*[0-9]",
            re.compile(r"(?i)(?<![A-Za-z0-9])bearer[ \t]+(?P<value>[A-Za-z0-9\-._~+/]{16,}=*)"),
            _token,
        ),
    ),
)
CREDENTIAL_IN_URL = Rule(
    "credential-in-url",
    "Credential in a URL query string or user-info",
    "secret",
    "error",
    "mandatory",
    "Take the credential out of the URL; send it in a header read from the environment.",
    _NO_LITERAL,
    detectors=(
        Detector(
            r"(?i)[?&](?:access_token|token|api_key|apikey|key|auth|secret|sig|signature|password)="
            r"|://[^/\s:@\"']+:[^/\s@\"']{6,}@",
            re.compile(
                r"(?i)[?&](?:access_token|token|api_key|apikey|key|auth|secret|sig|signature|password)="
                r"(?P<value>[^&\s\"'#<>]{16,})"
            ),
            _token,
        ),
        Detector(
            r"://[^/\s:@\"']+:[^/\s@\"']{6,}@",
            re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@\"']+:(?P<value>[^/\s@\"']{6,})@[^\s/@]"),
            _url_password,
        ),
    ),
)

#: The secret family, in catalogue order. When two matches overlap on a line the earlier
#: detector wins; fallback detectors run last.
SECRET_RULES: tuple[Rule, ...] = (
    SYNAP_API_KEY,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    GENERIC_SECRET_ASSIGNMENT,
    PRIVATE_KEY,
    WEBHOOK_SIGNING_SECRET,
    BEARER_TOKEN,
    CREDENTIAL_IN_URL,
)
