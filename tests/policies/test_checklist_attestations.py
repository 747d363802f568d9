"""Attestations: schema validation with one-line errors, ageing on an injected clock, template."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from policies.checklist import (
    AttestationError,
    Facts,
    evaluate,
    load_attestations,
    parse_attestations,
    render_template,
)
from policies.checklist.attestations import DEFAULT_MAX_AGE_DAYS, age_status, latest_by_item
from policies.checklist.items import attestable_ids
from policies.exceptions import InputError

from .checklist_fixtures import TODAY, attestations_yaml

ONE = """\
attestations:
  - item: instance-active
    by: dana@example.com
    on: 2026-11-20
    note: status active in the dashboard
"""


def test_a_valid_file_parses_on_as_a_key_and_dates_as_dates() -> None:
    # YAML 1.1 reads a bare `on` as the boolean True and 2026-11-20 as a date object
    parsed = parse_attestations(ONE, today=TODAY)
    (att,) = parsed.attestations
    assert (att.item, att.by, att.on, att.note) == (
        "instance-active",
        "dana@example.com",
        date(2026, 11, 20),
        "status active in the dashboard",
    )
    assert parsed.max_age_days is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            ONE.replace("instance-active", "instance-up"),
            "attestations[0].item: 'instance-up' is not an attestable item; use one of",
        ),
        (
            ONE.replace("instance-active", "sdk-log-level"),
            "attestations[0].item: 'sdk-log-level' is checked by rules, not attested",
        ),
        (
            ONE.replace("    by: dana@example.com\n", ""),
            "attestations[0]: 'by' is a required field",
        ),
        (ONE.replace("2026-11-20", "20/11/2026"), "attestations[0].on: '20/11/2026' is not a date"),
        (ONE.replace("2026-11-20", "2026-02-30"), "'2026-02-30' is not a calendar date"),
        (ONE.replace("2026-11-20", "2026-11-26"), "2026-11-26 is in the future"),
        (ONE.replace("status active in the dashboard", "''"), "attestations[0].note: must not"),
        (ONE + "    extra: 1\n", "attestations[0]: Additional properties are not allowed"),
        ("attestations: {item: x}\n", "attestations: {'item': 'x'} is not of type"),
        ("max_age_days: 0\n", "max_age_days: 0 is less than the minimum of 1"),
        ("attestations: [\n", "not valid YAML (line 2)"),
        ("- just a list\n", "the file: ['just a list'] is not of type 'object'"),
    ],
)
def test_invalid_files_fail_with_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(AttestationError) as info:
        parse_attestations(text, today=TODAY, source="att.yaml")
    shown = str(info.value)
    assert "\n" not in shown
    assert shown.startswith("att.yaml: ")
    assert message in shown, shown
    assert isinstance(info.value, InputError)  # the CLI maps it to exit 2


def test_empty_and_null_files_hold_no_attestations() -> None:
    assert parse_attestations("", today=TODAY).attestations == ()
    assert parse_attestations("attestations:\n", today=TODAY).attestations == ()


def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(AttestationError, match=r"cannot read .*missing\.yaml"):
        load_attestations(tmp_path / "missing.yaml", today=TODAY)


# -- ageing ----------------------------------------------------------------------------------


def test_age_boundary_on_the_injected_clock() -> None:
    (att,) = parse_attestations(ONE, today=TODAY).attestations
    day_90 = att.on + timedelta(days=DEFAULT_MAX_AGE_DAYS)
    assert age_status(att, today=day_90, max_age_days=90) == "attested"
    assert age_status(att, today=day_90 + timedelta(days=1), max_age_days=90) == "stale"
    assert age_status(att, today=att.on + timedelta(days=8), max_age_days=7) == "stale"


def _status(text: str, today: date, max_age_days: int | None = None) -> str:
    report = evaluate(
        Facts(), parse_attestations(text, today=today), today=today, max_age_days=max_age_days
    )
    return next(r.status for r in report.results if r.item.id == "instance-active")


def test_the_same_file_goes_stale_as_the_clock_moves() -> None:
    # GIVEN an attestation made on 2026-11-20
    # WHEN the checklist runs 90 days later THEN it holds; a day after that, it is stale
    assert _status(ONE, date(2027, 2, 18)) == "attested"
    assert _status(ONE, date(2027, 2, 19)) == "stale"


def test_max_age_argument_beats_the_file_which_beats_the_default() -> None:
    in_file = "max_age_days: 30\n" + ONE
    later = date(2026, 11, 20) + timedelta(days=31)
    assert _status(ONE, later) == "attested"  # default 90
    assert _status(in_file, later) == "stale"  # the file's 30
    assert _status(in_file, later, max_age_days=60) == "attested"  # the flag's 60


def test_stale_evidence_says_who_when_and_how_old() -> None:
    today = date(2027, 3, 1)
    report = evaluate(Facts(), parse_attestations(ONE, today=today), today=today)
    result = next(r for r in report.results if r.item.id == "instance-active")
    (evidence,) = result.evidence
    assert evidence.kind == "attestation"
    assert "dana@example.com on 2026-11-20 (101 d ago)" in evidence.text
    assert "older than 90 days" in evidence.text
    assert report.failed()


def test_the_newest_attestation_of_an_item_wins() -> None:
    text = attestations_yaml(TODAY - timedelta(days=200), items=("instance-active",))
    text += attestations_yaml(TODAY - timedelta(days=3), items=("instance-active",)).replace(
        "attestations:\n", ""
    )
    parsed = parse_attestations(text, today=TODAY)
    assert latest_by_item(parsed.attestations)["instance-active"].on == TODAY - timedelta(days=3)
    assert _status(text, TODAY) == "attested"


# -- template --------------------------------------------------------------------------------


def test_template_loads_as_is_and_lists_every_attestable_item() -> None:
    text = render_template(today=TODAY)
    assert parse_attestations(text, today=TODAY).attestations == ()
    for item in attestable_ids():
        assert f"# - item: {item}\n" in text


def test_uncommenting_a_template_entry_attests_that_item() -> None:
    text = render_template(today=TODAY, max_age_days=45)
    lines = text.splitlines()
    start = lines.index("  # - item: support-channel-known")
    for i in range(start, start + 4):
        lines[i] = lines[i].replace("  # ", "  ", 1)
    parsed = parse_attestations("\n".join(lines) + "\n", today=TODAY)
    assert [a.item for a in parsed.attestations] == ["support-channel-known"]
    assert parsed.max_age_days == 45


def test_the_example_file_at_the_repository_root_is_valid() -> None:
    example = Path(__file__).parents[2] / "checklist.attestations.example.yaml"
    parsed = load_attestations(example, today=date(2099, 1, 1))
    assert {a.item for a in parsed.attestations} == set(attestable_ids())
