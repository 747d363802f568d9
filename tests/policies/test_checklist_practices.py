"""The practice rules (webhook verification, correlation-id logging, runbooks) and the catalogue."""

from __future__ import annotations

import re

import pytest

from policies.checklist.evaluate import EVALUATORS
from policies.checklist.items import ITEMS, SECTIONS, no_literal_rules
from policies.rules.catalog import RULES
from policies.rules.practices import (
    PRACTICE_RULES,
    check_correlation_logging,
    check_runbooks,
    check_webhook_verification,
    is_test_path,
)

VERIFY_PY = (
    "import hashlib, hmac\n"
    "def ok(secret, body, header):\n"
    "    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()\n"
    "    return hmac.compare_digest('sha256=' + mac, header)\n"
)
VERIFY_TS = (
    "import crypto from 'crypto';\n"
    "export function ok(secret: string, body: Buffer, header: string) {\n"
    "  const mac = crypto.createHmac('sha256', secret).update(body).digest('hex');\n"
    "  return crypto.timingSafeEqual(Buffer.from('sha256=' + mac), Buffer.from(header));\n"
    "}\n"
)
TEST_PY = "def test_signature_verified():\n    assert ok(b'k', b'', 'x') is False\n"


# -- webhook-verification ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impl", "test"),
    [
        (("app/hooks.py", VERIFY_PY), ("tests/test_hooks.py", TEST_PY)),
        (("src/hooks.ts", VERIFY_TS), ("src/hooks.spec.ts", "it('verifies the signature')")),
        (
            ("app/hooks.py", "v = WebhookVerifier('synap/prod/webhook-secret')\n"),
            ("tests/test_hooks.py", "def test_webhook_verifier(): ...\n"),
        ),
    ],
)
def test_webhook_verification_found(impl: tuple[str, str], test: tuple[str, str]) -> None:
    result = check_webhook_verification([impl, test])
    assert result.ok
    assert result.hits[0].path == impl[0]
    assert result.extra[0].path == test[0]


def test_webhook_compared_with_equals_is_not_verification() -> None:
    unsafe = VERIFY_PY.replace("hmac.compare_digest('sha256=' + mac, header)", "mac == header")
    result = check_webhook_verification([("app/hooks.py", unsafe), ("tests/test_h.py", TEST_PY)])
    assert not result.ok
    assert "no code verifies a webhook signature" in result.violation


def test_webhook_verification_without_a_test_fails() -> None:
    result = check_webhook_verification([("app/hooks.py", VERIFY_PY)])
    assert result.violation == "webhook verification is implemented but no test exercises it"


def test_verification_code_that_lives_in_tests_does_not_count_as_the_implementation() -> None:
    result = check_webhook_verification([("tests/test_hooks.py", VERIFY_PY + TEST_PY)])
    assert not result.ok and "no code verifies" in result.violation


def test_documentation_is_not_code() -> None:
    result = check_webhook_verification([("docs/hooks.md", VERIFY_PY), ("tests/t.py", TEST_PY)])
    assert not result.ok


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/unit/test_a.py", True),
        ("test_a.py", True),
        ("pkg/a_test.go", True),
        ("web/a.spec.ts", True),
        ("src/__tests__/a.js", True),
        ("src/AppTest.java", True),
        ("app/testing_helpers.py", False),
        ("app/contest.py", False),
    ],
)
def test_is_test_path(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


# -- correlation-id-logged ---------------------------------------------------------------------

SYNAP = "from synap import SynapError\n"


@pytest.mark.parametrize(
    "call",
    [
        'log.error("fetch failed", extra={"correlation_id": exc.correlation_id})',
        'logger.warning(\n    "fetch failed: %s",\n    exc,\n    extra={"correlation_id": cid},\n)',
        'log.exception("fetch failed (correlation_id=%s)", exc.correlation_id)',
        "console.error(`fetch failed ${err.message} correlationId=${err.correlationId}`)",
    ],
)
def test_error_logging_with_the_correlation_id_passes(call: str) -> None:
    result = check_correlation_logging([("app/a.py", SYNAP + call + "\n")])
    assert result.ok, result.violation
    assert result.hits[0].line == 2


@pytest.mark.parametrize(
    "call",
    [
        'log.error("fetch failed: %s", exc)',
        'log.exception("fetch failed")',
        'logger.warning(f"fetch failed: {err}")',
        'log.error("fetch failed", exc_info=True)',
        'log.error("failed: %s", e.message)',
    ],
)
def test_error_logging_without_the_correlation_id_fails(call: str) -> None:
    result = check_correlation_logging([("app/a.py", SYNAP + call + "\n")])
    assert not result.ok
    assert "1 error log call(s) without the correlation id (first: app/a.py:2)" in result.violation


def test_one_call_without_the_id_fails_even_when_others_have_it() -> None:
    text = (
        SYNAP
        + 'log.error("a", extra={"correlation_id": exc.correlation_id})\n'
        + 'log.error("b: %s", exc)\n'
    )
    result = check_correlation_logging([("app/a.py", text)])
    assert not result.ok
    assert [h.line for h in result.hits] == [3]


def test_messages_that_are_not_errors_and_non_synap_files_are_not_read() -> None:
    files = [
        ("app/a.py", SYNAP + 'log.warning("cache is cold")\nlog.info("x: %s", exc)\n'),
        ("app/db.py", 'log.error("db failed: %s", exc)\n'),  # no Synap here
        ("tests/test_a.py", SYNAP + 'log.error("x: %s", exc)\n'),
    ]
    result = check_correlation_logging(files)
    assert result.violation == "no code logs a Synap error"


def test_the_word_error_inside_a_message_is_not_an_exception() -> None:
    text = SYNAP + 'log.warning("error budget, e.g. 1%, used (error)")\n'
    assert check_correlation_logging([("app/a.py", text)]).violation == (
        "no code logs a Synap error"
    )


# -- runbooks-present --------------------------------------------------------------------------


def test_runbooks_with_rotation_and_rollback_pages() -> None:
    result = check_runbooks(
        [
            ("runbooks/rollback.md", "# Roll back a rotation\n"),
            ("runbooks/scheduled.md", "# Scheduled key rotation\n"),
        ]
    )
    assert result.ok
    assert [(h.path, h.detail) for h in result.hits] == [
        ("runbooks/scheduled.md", "rotation runbook"),
        ("runbooks/rollback.md", "rollback runbook"),
    ]


@pytest.mark.parametrize(
    ("files", "violation"),
    [
        ([], "no Markdown pages under runbooks/"),
        ([("docs/rotation.md", "# Rotation\n")], "no Markdown pages under runbooks/"),
        ([("runbooks/rotation.md", "# Rotation\n")], "runbooks/ has no rollback page"),
        ([("runbooks/undo.md", "# Roll back\n")], "runbooks/ has no rotation page"),
        ([("runbooks/alarms.md", "# Alarms\n")], "runbooks/ has no rotation or rollback page"),
    ],
)
def test_missing_runbooks(files: list[tuple[str, str]], violation: str) -> None:
    assert check_runbooks(files).violation == violation


# -- the catalogue -----------------------------------------------------------------------------


def test_item_ids_are_stable_kebab_case_and_unique() -> None:
    assert len(ITEMS) >= 20
    for item_id, item in ITEMS.items():
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", item_id), item_id
        assert item.id == item_id and item.text and item.why
        assert item.section in SECTIONS


def test_every_section_has_items_in_order() -> None:
    sections = [i.section for i in ITEMS.values()]
    assert list(dict.fromkeys(sections)) == list(SECTIONS)


def test_automated_items_name_known_rules_and_have_an_evaluator() -> None:
    known = set(RULES) | set(PRACTICE_RULES)
    for item in ITEMS.values():
        assert set(item.rules) <= known, item.id
        if item.automated:
            assert item.needs, item.id
            assert item.id in EVALUATORS, item.id
        else:
            assert item.attest, item.id
    assert set(EVALUATORS) == {i.id for i in ITEMS.values() if i.automated}


def test_practice_rules_are_registered_in_the_engine_catalogue() -> None:
    # one catalogue: `synap-policy rules` lists them, --enforce can set their level
    for rule_id, rule in PRACTICE_RULES.items():
        assert RULES[rule_id] is rule
    for rule in PRACTICE_RULES.values():
        assert rule.remediation and rule.checklist


def test_the_key_item_follows_the_engines_no_literal_group() -> None:
    rules = no_literal_rules()
    assert "synap-api-key" in rules and "no-key-in-resource-inputs" in rules
    assert ITEMS["api-key-in-secrets-manager"].rules == rules
