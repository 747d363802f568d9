"""Attestations: a person's word for the items no machine can check, and their ageing.

The file is YAML, validated with a JSON Schema; every problem is one line naming the
entry and the field::

    max_age_days: 90              # optional; --max-age-days beats it
    attestations:
      - item: use-case-reviewed   # an attestable item id (see --write-template)
        by: dana@example.com
        on: 2026-11-20            # the day the person checked it (YYYY-MM-DD)
        note: use-case markdown for inst_... reviewed and re-uploaded

An attestation older than the maximum age (default 90 days) is ``stale``. Today's date
is always passed in (an injected clock), never read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

from policies.checklist.exceptions import AttestationError
from policies.checklist.items import ITEMS, SECTIONS, attestable_ids

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "SCHEMA",
    "Attestation",
    "AttestationFile",
    "age_status",
    "latest_by_item",
    "load_attestations",
    "parse_attestations",
    "render_template",
]

DEFAULT_MAX_AGE_DAYS = 90
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "max_age_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        "attestations": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["item", "by", "on", "note"],
                "properties": {
                    "item": {"type": "string", "enum": list(attestable_ids())},
                    "by": {"type": "string", "minLength": 1, "pattern": r"\S"},
                    "on": {"type": "string", "pattern": _DATE},
                    "note": {"type": "string", "minLength": 1, "pattern": r"\S"},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Attestation:
    item: str
    by: str
    on: date
    note: str
    #: 0-based position in the file, for evidence ("attestations[3]").
    index: int = 0


@dataclass(frozen=True)
class AttestationFile:
    attestations: tuple[Attestation, ...] = ()
    max_age_days: int | None = None
    source: str = ""


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's bool and timestamp guesses.

    ``on:`` is a boolean key in YAML 1.1 and ``2026-11-20`` a date object: both are
    read as strings here, so the schema sees exactly what the person wrote.
    """


_DROPPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"


def _message(error: jsonschema.ValidationError) -> str:
    where = _where(error.absolute_path)
    if error.validator == "enum":
        value = error.instance
        if isinstance(value, str) and value in ITEMS:
            return (
                f"{where}: {value!r} is checked by rules, not attested; attestable items: "
                f"{', '.join(attestable_ids())}"
            )
        known = ", ".join(attestable_ids())
        return f"{where}: {value!r} is not an attestable item; use one of {known}"
    if error.validator == "pattern" and list(error.absolute_path)[-1:] == ["on"]:
        return f"{where}: {error.instance!r} is not a date; write YYYY-MM-DD"
    if error.validator in ("pattern", "minLength"):
        return f"{where}: must not be empty"
    if error.validator == "required":
        return f"{where}: {error.message.replace(' property', ' field')}"
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = ", ".join(schema.get("properties", {}))
        return f"{where}: {error.message}; allowed: {allowed}"
    return f"{where}: {error.message}"


def parse_attestations(text: str, *, today: date, source: str = "attestations") -> AttestationFile:
    """Validate and parse an attestations document; :class:`AttestationError` otherwise.

    ``today`` rejects attestations dated in the future (a typo, not a promise).
    """
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise AttestationError(f"{source}: not valid YAML{line}: {problem}") from exc
    if data is None:
        data = {}
    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        raise AttestationError(f"{source}: {_message(error)}")
    found = []
    for i, raw in enumerate(data.get("attestations") or []):
        try:
            on = date.fromisoformat(raw["on"])
        except ValueError:
            raise AttestationError(
                f"{source}: attestations[{i}].on: {raw['on']!r} is not a calendar date"
            ) from None
        if on > today:
            raise AttestationError(
                f"{source}: attestations[{i}].on: {on.isoformat()} is in the future "
                f"(today is {today.isoformat()})"
            )
        found.append(Attestation(raw["item"], raw["by"].strip(), on, raw["note"].strip(), i))
    return AttestationFile(tuple(found), data.get("max_age_days"), source)


def load_attestations(path: Path, *, today: date) -> AttestationFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AttestationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise AttestationError(f"{path} is not UTF-8 text") from exc
    return parse_attestations(text, today=today, source=path.as_posix())


def latest_by_item(attestations: Iterable[Attestation]) -> dict[str, Attestation]:
    """The newest attestation per item (a later entry wins a tie)."""
    newest: dict[str, Attestation] = {}
    for att in attestations:
        current = newest.get(att.item)
        if current is None or att.on >= current.on:
            newest[att.item] = att
    return newest


def age_status(att: Attestation, *, today: date, max_age_days: int) -> Literal["attested", "stale"]:
    """``stale`` once the attestation is more than ``max_age_days`` old.

    >>> a = Attestation("instance-active", "dana", date(2026, 1, 1), "ok")
    >>> age_status(a, today=date(2026, 4, 1), max_age_days=90)
    'attested'
    >>> age_status(a, today=date(2026, 4, 2), max_age_days=90)
    'stale'
    """
    return "stale" if (today - att.on).days > max_age_days else "attested"


def render_template(*, today: date, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> str:
    """An attestations file with every attestable item as a commented-out entry.

    It loads as-is (no attestations: every item ``manual``); uncomment an entry, fill it
    in, and that item becomes ``attested``.
    """
    lines = [
        "# Attestations for `synap-policy checklist`: a person's word for the production-",
        "# checklist items no machine can check. Uncomment an entry once you have checked",
        "# the item, and fill in who (by), when (on, YYYY-MM-DD) and what you saw (note).",
        "# An attestation older than max_age_days becomes `stale` and fails the checklist.",
        f"max_age_days: {max_age_days}",
        "attestations:",
    ]
    for item_id in attestable_ids():
        item = ITEMS[item_id]
        lines += [
            f"  # [{SECTIONS[item.section]}] {item.text}",
            f"  # - item: {item.id}",
            "  #   by: you@example.com",
            f"  #   on: {today.isoformat()}",
            "  #   note: what you checked",
        ]
    return "\n".join(lines) + "\n"
