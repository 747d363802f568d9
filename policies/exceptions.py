"""Exceptions raised by the policies package.

One rooted tree; every message is one line a user can act on and never holds a
secret value::

    PolicyError                     (base; permanent unless flagged)
    ├── InputError                  permanent: bad input the user can fix (exit 2)
    │   ├── StackExportError        the stack export / preview JSON is unreadable or malformed
    │   ├── BaselineError           the baseline file is unreadable or malformed
    │   ├── DiffRangeError          a git diff range or repository that does not exist
    │   └── ConfigError             an unknown rule id or enforcement level
    └── GitError                    transient: git failed for a reason other than bad input
"""

from __future__ import annotations

__all__ = [
    "BaselineError",
    "ConfigError",
    "DiffRangeError",
    "GitError",
    "InputError",
    "PolicyError",
    "StackExportError",
]


class PolicyError(Exception):
    """Base of every error raised by the policies package."""

    transient: bool = False


class InputError(PolicyError):
    """Input the user can fix: a bad file, range, flag or baseline."""


class StackExportError(InputError):
    """The stack export or preview JSON cannot be read or has the wrong shape."""


class BaselineError(InputError):
    """The baseline file cannot be read or has the wrong shape."""


class DiffRangeError(InputError):
    """A git diff range (or the repository) does not exist."""


class ConfigError(InputError):
    """An unknown rule id or enforcement level was given."""


class GitError(PolicyError):
    """git failed for a reason other than bad input (e.g. a locked index)."""

    transient = True
