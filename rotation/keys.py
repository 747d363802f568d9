"""The Synap API key format: ``synap_`` + 58 base62 characters.

Pure helpers shared by the emulator, the rotation engine and the policy rules.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string

__all__ = [
    "BASE62_ALPHABET",
    "KEY_BODY_LENGTH",
    "KEY_PATTERN",
    "KEY_PREFIX",
    "fingerprint",
    "generate_key",
    "is_key",
    "redact",
]

KEY_PREFIX = "synap_"
KEY_BODY_LENGTH = 58
BASE62_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
#: Matches a whole key. Word boundaries keep it from matching inside longer tokens.
KEY_PATTERN = re.compile(r"(?<![A-Za-z0-9_])synap_[0-9A-Za-z]{58}(?![0-9A-Za-z])")


def generate_key() -> str:
    """Return a new random key from the ``secrets`` CSPRNG.

    >>> k = generate_key(); len(k) == len(KEY_PREFIX) + KEY_BODY_LENGTH
    True
    """
    body = "".join(secrets.choice(BASE62_ALPHABET) for _ in range(KEY_BODY_LENGTH))
    return KEY_PREFIX + body


def is_key(value: str) -> bool:
    """True when ``value`` is exactly one well-formed Synap key."""
    return KEY_PATTERN.fullmatch(value) is not None


def fingerprint(value: str) -> str:
    """SHA-256 hex digest of a key: what the emulator stores and baselines compare."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def redact(value: str) -> str:
    """A preview safe for logs: the prefix and four characters, never the whole key.

    >>> redact("synap_" + "A" * 58)
    'synap_AAAA…'
    """
    if value.startswith(KEY_PREFIX):
        return value[: len(KEY_PREFIX) + 4] + "…"
    return value[:4] + "…" if len(value) > 4 else "…"
