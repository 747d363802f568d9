"""Pure predicates that tell a real secret from a placeholder, a reference or code."""

from __future__ import annotations

import math
import re
from collections import Counter

__all__ = [
    "entropy",
    "is_code_like",
    "is_placeholder",
    "is_reference",
    "is_uuid",
    "looks_random",
]

# Words a random 58-character key cannot plausibly contain (6+ letters): safe for strict rules.
_PLACEHOLDER_LONG = (
    "example",
    "placeholder",
    "xxxxxx",
    "replace",
    "changeme",
    "yourkey",
    "redacted",
)
# Shorter markers, only for free-form values where a false match costs little.
_PLACEHOLDER_SHORT = (
    "your",
    "xxx",
    "dummy",
    "sample",
    "insert",
    "fake",
    "***",
    "<",
    ">",
    "...",
    "…",
)
_SEQUENCES = ("0123456", "1234567", "abcdefg", "ABCDEFG")
_REFERENCE_MARKERS = (
    "arn:aws",
    "secretsmanager",
    "ssm:",
    "ssm/",
    "resolve:",
    "vault:",
    "${",
    "$(",
    "{{",
    "%(",
    "process.env",
    "os.environ",
    "getenv",
    "secrets.",
    "env.",
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_CAMEL = re.compile(r"[a-zA-Z][a-z]+(?:[A-Z][a-z]+|[0-9]{1,2})+")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}(?:\.[A-Za-z_][A-Za-z0-9_]{0,40})+")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character.

    >>> round(entropy("aaaa"), 2), round(entropy("abcd"), 2)
    (0.0, 2.0)
    """
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_placeholder(value: str, *, strict: bool = False) -> bool:
    """Documentation stand-ins: ``synap_your_key_here``, ``synap_xxxx…``, ``<your-key>``.

    ``strict`` (for fixed-format keys) only uses markers a random key cannot plausibly hold.
    """
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDER_LONG):
        return True
    if any(seq in value for seq in _SEQUENCES):
        return True
    if not strict and any(word in lowered for word in _PLACEHOLDER_SHORT):
        return True
    body = value.removeprefix("synap_")
    return len(set(body)) <= max(3, len(body) // 6) or entropy(body) < 3.0


def is_reference(value: str) -> bool:
    """A pointer to a secret rather than the secret: ARNs, SSM paths, ``${VAR}``, CI expressions."""
    lowered = value.lower()
    return value.startswith(("$", "%", "@")) or any(m in lowered for m in _REFERENCE_MARKERS)


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def is_code_like(value: str, following: str = "") -> bool:
    """Identifiers, dotted attribute paths and calls: code, not a credential."""
    if following[:1] in ("(", "["):
        return True
    if value.startswith("eyJ"):  # a JWT: dotted, but base64url segments
        return False
    if _SNAKE.fullmatch(value) or _CAMEL.fullmatch(value) or _DOTTED.fullmatch(value):
        return True
    return not any(c.isdigit() for c in value)


def looks_random(value: str, *, min_length: int = 16) -> bool:
    """High-entropy, mixed letters and digits, not hex-only (hashes, git SHAs), not a UUID."""
    if len(value) < min_length or is_uuid(value):
        return False
    if all(c in "0123456789abcdefABCDEF" for c in value):
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    threshold = min(3.5, 0.8 * math.log2(len(value)))
    return entropy(value) >= threshold
