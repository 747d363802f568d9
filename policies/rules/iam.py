"""The least-privilege rule: no IAM grant of secret or key actions on ``*``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from policies.rules.model import Rule
from policies.rules.resource_model import Resource, Violation, as_list

__all__ = ["ROTATION_IAM_NO_WILDCARDS", "check_iam"]

IAM_POLICIES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
ROLE = "aws:iam/role:Role"
#: Actions that only work on Resource "*" (AWS documents no resource type for them).
_STAR_ONLY = frozenset(
    {
        "secretsmanager:getrandompassword",
        "secretsmanager:listsecrets",
        "kms:listkeys",
        "kms:listaliases",
    }
)


def _statements(document: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        if isinstance(st, Mapping):
            yield st


def _wildcard_problems(st: Mapping[str, Any]) -> list[str]:
    if st.get("Effect") != "Allow":
        return []
    actions = [a.lower() for a in as_list(st.get("Action"))]
    resources = as_list(st.get("Resource"))
    relevant = [a for a in actions if a == "*" or a.startswith(("secretsmanager:", "kms:"))]
    problems = [a for a in relevant if a == "*" or a.endswith(":*")]
    if "*" in resources:
        problems += [a for a in relevant if a not in problems and a not in _STAR_ONLY]
    return problems


def _documents(r: Resource) -> list[Any]:
    """The policy documents of an IAM policy, or a role's inline policies."""
    documents: list[Any] = []
    if r.type in IAM_POLICIES:
        documents.append(r.get("policy"))
    elif r.type == ROLE:
        for inline in r.get("inlinePolicies") or []:
            if isinstance(inline, Mapping):
                documents.append(inline.get("policy"))
    return documents


def check_iam(r: Resource) -> list[Violation]:
    """No ``*`` action or ``*`` resource on secretsmanager/kms actions."""
    found = []
    for document in _documents(r):
        for st in _statements(document):
            problems = _wildcard_problems(st)
            if problems:
                sid = st.get("Sid", "statement")
                found.append(
                    Violation(
                        ROTATION_IAM_NO_WILDCARDS.id,
                        f"{r.name} {sid} allows {', '.join(sorted(set(problems)))} "
                        f"on {', '.join(as_list(st.get('Resource'))) or 'no resource'}",
                        r.urn,
                    )
                )
    return found


ROTATION_IAM_NO_WILDCARDS = Rule(
    "rotation-iam-no-wildcards",
    "IAM grants secret or key actions on '*'",
    "resource",
    "error",
    "mandatory",
    "Scope secretsmanager:* and kms:* actions to the managed secrets' and key's ARNs.",
    "Least-privilege IAM for the rotation function",
    resource_checks=(check_iam,),
)
