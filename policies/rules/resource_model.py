"""Resources as the resource and stack rules see them: pulumi-aws type tokens, camelCase inputs.

:class:`Resource` is built from a stack export, a preview or CrossGuard's args; a rule's
check returns :class:`Violation` values. Shared predicates (Synap secrets, Pulumi's
unknown values) live here so every family reads them the same way. No Pulumi import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rotation.contract import TIER_TAG

__all__ = [
    "ALARM",
    "FUNCTION",
    "ROTATION",
    "SECRET",
    "UNKNOWN_SENTINELS",
    "Resource",
    "Violation",
    "as_list",
    "is_managed_secret",
    "is_synap_secret",
    "is_unknown",
    "tags",
]

SECRET = "aws:secretsmanager/secret:Secret"  # noqa: S105 (a type token)
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

#: Pulumi's sentinels for values a preview cannot know yet (computed at deploy time).
UNKNOWN_SENTINELS = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_unknown(value: Any) -> bool:
    """True for a value the preview does not know yet: rules give it the benefit of the doubt."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


@dataclass(frozen=True)
class Resource:
    type: str
    urn: str
    props: Mapping[str, Any]
    id: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def get(self, key: str) -> Any:
        value = self.props.get(key)
        return value if value is not None else self.outputs.get(key)


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str
    urn: str = ""


def tags(r: Resource) -> Mapping[str, Any]:
    """The resource's ``tags`` mapping (empty when unset or not a mapping)."""
    value = r.get("tags")
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[str]:
    """A string or a list (IAM's Action/Resource, an alarm's actions) as a list of strings."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def is_synap_secret(r: Resource) -> bool:
    """A Secrets Manager secret of this project: a ``synap:*`` tag or a ``synap/`` name."""
    if r.type != SECRET:
        return False
    name = r.get("name")
    return any(str(k).startswith("synap:") for k in tags(r)) or (
        isinstance(name, str) and name.startswith("synap/")
    )


def is_managed_secret(r: Resource) -> bool:
    """A secret under rotation: it carries the ``synap:tier`` tag."""
    return r.type == SECRET and TIER_TAG in tags(r)
