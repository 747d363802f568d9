"""Secret detection: every rule with positive and negative cases, in every file format."""

from __future__ import annotations

import pytest

from policies.findings import findings_from_bytes
from policies.rules import RULES, resolve_enforcement, scan_bytes
from policies.rules.filters import entropy, is_code_like, is_placeholder, looks_random
from policies.rules.text import MAX_WINDOW, TextEngine
from rotation.keys import fingerprint

from .helpers import aws_key_id, aws_secret_key, generate_key, hex64, private_key_block, token


def rules_in(text: str) -> list[str]:
    return [m.rule_id for m in scan_bytes(text.encode())]


# -- positives: (template, rule id); {v} is a fresh secret of the right shape ------------------

KEY = generate_key
POSITIVES = [
    ("SYNAP_API_KEY={v}", KEY, "synap-api-key"),  # .env, unquoted
    ("ENV SYNAP_API_KEY={v}", KEY, "synap-api-key"),  # Dockerfile
    ("ENV SYNAP_API_KEY {v}", KEY, "synap-api-key"),  # Dockerfile, legacy form
    ("export SYNAP_API_KEY={v}", KEY, "synap-api-key"),  # shell
    ("synap:\n  api_key: {v}", KEY, "synap-api-key"),  # YAML, unquoted
    ('{{"api_key": "{v}"}}', KEY, "synap-api-key"),  # JSON
    ('api_key = "{v}"', KEY, "synap-api-key"),  # TOML / Python
    ("Use `{v}` as the key.", KEY, "synap-api-key"),  # Markdown
    ("https://x.test/?key={v}", KEY, "synap-api-key"),  # in a URL, the Synap rule wins
    ("aws_access_key_id = {v}", aws_key_id, "aws-access-key-id"),
    ("AWS_SECRET_ACCESS_KEY={v}", aws_secret_key, "aws-secret-access-key"),
    ('"SecretAccessKey": "{v}"', aws_secret_key, "aws-secret-access-key"),
    ("ENV AWS_SECRET_ACCESS_KEY {v}", aws_secret_key, "aws-secret-access-key"),
    ("api_token: {v}", token, "generic-secret-assignment"),
    ('client_secret = "{v}"', token, "generic-secret-assignment"),
    ("export DB_PASSWORD={v}", token, "generic-secret-assignment"),
    ('"apiKey": "{v}"', token, "generic-secret-assignment"),
    ("{v}", private_key_block, "private-key"),
    ('"private_key": "{v}"', lambda: private_key_block("").replace("\n", "\\n"), "private-key"),
    ("webhook_signing_secret = {v}", hex64, "webhook-signing-secret"),
    ('SYNAP_WEBHOOK_SECRET="{v}"', hex64, "webhook-signing-secret"),
    ('"signature_key": "{v}"', hex64, "webhook-signing-secret"),
    ('curl -H "Authorization: Bearer {v}" https://api.test', token, "bearer-token"),
    ("Authorization: bearer {v}", token, "bearer-token"),
    ("https://api.test/v1/items?access_token={v}&page=2", token, "credential-in-url"),
    ("postgres://app:{v}@db.internal:5432/app", token, "credential-in-url"),
]


@pytest.mark.parametrize(("template", "make", "rule_id"), POSITIVES)
def test_each_rule_finds_its_secret(template: str, make: object, rule_id: str) -> None:
    value = make()  # type: ignore[operator]
    text = template.format(v=value)
    assert rules_in(text) == [rule_id], text.replace(value, "<secret>")


def test_every_secret_rule_has_a_positive_case() -> None:
    secret_rules = {r.id for r in RULES.values() if r.family == "secret"}
    assert secret_rules <= {rule for *_, rule in POSITIVES}


# -- negatives ---------------------------------------------------------------------------------

NEGATIVES = [
    "api_key: synap_your_key_here",
    "SYNAP_API_KEY=synap_" + "x" * 58,
    "SYNAP_API_KEY=synap_" + "X" * 58,
    "SYNAP_API_KEY=synap_" + "0123456789" * 5 + "abcdefgh",
    "SYNAP_API_KEY=<your-key>",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
    "synap:api_key:\n  secure: AAABAJx0c2VjdXJlLXZhbHVlLWNpcGhlcnRleHQtZm9yLXB1bHVtaQ==",
    "api_key: arn:aws:secretsmanager:eu-west-1:123456789012:secret:synap/prod/api-key-AbCdEf",
    "SYNAP_API_KEY: '{{resolve:secretsmanager:synap/prod/api-key:SecretString:api_key}}'",
    "token: ssm:/synap/prod/api-token-parameter-name",
    'SYNAP_API_KEY="${SYNAP_API_KEY}"',
    "api_key: ${{ secrets.SYNAP_API_KEY }}",
    "token = os.environ['SYNAP_API_TOKEN_FROM_ENV']",
    'curl -H "Authorization: Bearer $SYNAP_API_KEY" https://api.test',
    'curl -H "Authorization: Bearer ${SYNAP_API_KEY}" https://api.test',
    "Authorization: Bearer <your-token-goes-here>",
    '  "integrity": "sha512-2Tk0Vr5u0W8p4J8R1ZsD3k2Z7fN8L5yE0vQdJmWQhGZ3U1sXbF9pKcAeTnMoRq==",',
    "image: registry.test/app@sha256:" + "3f" * 32,
    "request_id = 123e4567-e89b-12d3-a456-426614174000",
    "commit_token: 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "token = self.get_token_from_cache_or_refresh()",
    "secret_key = settings.SECRET_KEY_FROM_ENVIRONMENT",
    "api_key = config.synap.api_key_provider",
    "password_reset_token_expiry_seconds = 86400",
    "PASSWORD_HASHERS = django_password_hashers_list_v2",
    "tokenizer: bert_base_uncased_tokenizer_v2",
    "postgres://app:${DB_PASSWORD}@db.internal:5432/app",
    "postgres://user:password@localhost/app",
    'url = f"postgres://app:{self.password}@db.internal:5432/app"',
    "signature = hmac.new(secret, body, hashlib.sha256).hexdigest()",
    "webhook_url: https://hooks.test/services/notify",
    "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
    "# Keys look like synap_ followed by 58 base62 characters.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_placeholders_references_hashes_and_code_are_not_findings(text: str) -> None:
    assert rules_in(text) == []


def test_each_occurrence_is_reported_on_its_own_line() -> None:
    keys = [generate_key() for _ in range(3)]
    text = f"A={keys[0]}\n\nB='{keys[1]}' C={keys[2]}\n"
    found = scan_bytes(text.encode())
    assert [(m.line, m.column) for m in found] == [(1, 3), (3, 4), (3, 72)]
    assert [m.value for m in found] == keys


def test_finding_carries_a_redacted_preview_and_fingerprints_not_the_value() -> None:
    key = generate_key()
    result = findings_from_bytes(f"KEY={key}\n".encode(), "app/.env", resolve_enforcement())
    (finding,) = result.findings
    assert finding.preview == key[:10] + "…"
    assert finding.secret_sha256 == fingerprint(key)
    assert key not in repr(finding) and key not in str(finding.to_dict())
    same_elsewhere = findings_from_bytes(
        f"\n\nKEY={key}\n".encode(), "app/.env", resolve_enforcement()
    )
    assert same_elsewhere.findings[0].fingerprint == finding.fingerprint  # lines moved: same
    other_path = findings_from_bytes(f"KEY={key}\n".encode(), "other/.env", resolve_enforcement())
    assert other_path.findings[0].fingerprint != finding.fingerprint


def test_non_utf8_bytes_do_not_stop_the_scan() -> None:
    key = generate_key()
    data = b"\xff\xfe garbage \xc3\x28\n" + f"KEY={key}\n".encode() + b"\x80\x81"
    assert [m.rule_id for m in scan_bytes(data)] == ["synap-api-key"]


def test_huge_single_line_is_scanned_in_bounded_windows() -> None:
    keys = [generate_key() for _ in range(2)]
    filler = b"a" * (MAX_WINDOW * 50)
    data = filler + b" k=" + keys[0].encode() + b" " + filler + b" k=" + keys[1].encode()
    found = scan_bytes(data)
    assert [m.value for m in found] == keys
    assert all(len(m.line_text) <= MAX_WINDOW * 2 for m in found)


def test_python_re_fallback_finds_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 now raises ImportError
    engine = TextEngine()
    assert engine.backend == "re"
    key = generate_key()
    assert [m.rule_id for m in engine.scan(f"X={key}".encode())] == ["synap-api-key"]


def test_filters() -> None:
    assert entropy("") == 0.0
    assert is_placeholder("synap_" + "ab" * 29)
    assert not is_placeholder(generate_key(), strict=True)
    assert is_code_like("abc", "(")
    assert not is_code_like("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")
    assert not looks_random("deadbeef" * 4)  # hex: a hash
    assert looks_random(token(24))
