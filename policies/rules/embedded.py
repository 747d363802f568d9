"""The embedded-key rule: no key-shaped value in any resource input.

Resource inputs are scanned with the text engine's secret detectors; values Pulumi
keeps encrypted in state (its secret marker) are never read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.rules.model import Rule
from policies.rules.resource_model import Resource, Violation
from policies.rules.sdk import SDK_RULES
from policies.rules.secrets import SYNAP_API_KEY
from policies.rules.text import default_engine
from rotation.keys import redact

__all__ = ["NO_KEY_IN_RESOURCE_INPUTS", "check_embedded_keys"]

#: Pulumi's special-object key in state (``pulumi.runtime.rpc._special_sig_key``) and its
#: value for a secret: ``{sig: secret, "ciphertext": ...}`` is encrypted, never scanned.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (a marker)
#: The engine also reports SDK settings; those are the SDK rules' to report on resources.
_SDK_RULE_IDS = frozenset(rule.id for rule in SDK_RULES)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return  # encrypted in state
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def check_embedded_keys(r: Resource) -> list[Violation]:
    """No key-shaped value in any input: env vars, container definitions, SSM, user data, tags."""
    # One scan of all the resource's leaves as lines ("key: value"), not one per leaf: the
    # engine's cost is per call. line_paths maps each line (1-based) back to its input path.
    lines: list[str] = []
    line_paths: list[str] = []
    for path, value in _leaves(r.props, ""):
        text = f"{path.rsplit('.', 1)[-1]}: {value}"
        lines.append(text)
        line_paths.extend([path] * (text.count("\n") + 1))
    if not lines:
        return []
    found: list[Violation] = []
    for m in default_engine().scan("\n".join(lines).encode(), whole_file=False):
        if m.rule_id in _SDK_RULE_IDS:
            continue
        path = line_paths[min(m.line, len(line_paths)) - 1]
        found.append(
            Violation(
                NO_KEY_IN_RESOURCE_INPUTS.id,
                f"{r.type} input {path} holds a {m.rule_id} ({redact(m.value)})",
                r.urn,
            )
        )
    return found


NO_KEY_IN_RESOURCE_INPUTS = Rule(
    "no-key-in-resource-inputs",
    "Key-shaped value in a resource input",
    "resource",
    "error",
    "mandatory",
    "Reference the secret (ARN / secretsmanager: / pulumi.Output secret) instead of the value.",
    SYNAP_API_KEY.checklist,  # the same checklist line: keys never embedded
    critical=True,
    resource_checks=(check_embedded_keys,),
)
