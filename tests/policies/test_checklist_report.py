"""Every checklist item's pass and fail path, on fixture repositories and stack exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policies.checklist import ITEMS, ChecklistReport, ItemResult, run_checklist
from policies.checklist.items import attestable_ids

from .checklist_fixtures import TODAY, attestations_yaml, good_export, write_export, write_repo
from .helpers import generate_key

Export = dict[str, Any]


def _report(
    tmp_path: Path,
    *,
    repo_files: dict[str, str | None] | None = None,
    export: Export | None = None,
    attest: str | None = None,
    use_repo: bool = True,
    use_stack: bool = True,
) -> ChecklistReport:
    repo = write_repo(tmp_path / "repo", repo_files) if use_repo else None
    stack = (
        write_export(tmp_path / "plan.json", export if export is not None else good_export())
        if use_stack
        else None
    )
    attestations = None
    if attest is not None:
        attestations = tmp_path / "attestations.yaml"
        attestations.write_text(attest, encoding="utf-8")
    return run_checklist(today=TODAY, stack_export=stack, repo=repo, attestations=attestations)


def _by_id(report: ChecklistReport) -> dict[str, ItemResult]:
    return {r.item.id: r for r in report.results}


def _evidence(result: ItemResult) -> str:
    return "\n".join(f"{e.rule_id} {e.text} {e.where}" for e in result.evidence)


def _find(export: Export, name: str) -> dict[str, Any]:
    for res in export["deployment"]["resources"]:
        if res["urn"].endswith(f"::{name}"):
            found: dict[str, Any] = res
            return found
    raise KeyError(name)


def _drop(export: Export, name: str) -> Export:
    export["deployment"]["resources"] = [
        r for r in export["deployment"]["resources"] if not r["urn"].endswith(f"::{name}")
    ]
    return export


def _set_input(name: str, key: str, value: Any) -> Callable[[Export], Export]:
    def mutate(export: Export) -> Export:
        res = _find(export, name)
        res["inputs"][key] = value
        res["outputs"][key] = value
        return export

    return mutate


# -- the pass path ---------------------------------------------------------------------------


def test_good_repo_and_stack_pass_every_automated_item(tmp_path: Path) -> None:
    # GIVEN a repository and a stack that follow the checklist, and every manual item attested
    report = _report(tmp_path, attest=attestations_yaml())

    # THEN every automated item passes with evidence, every manual item is attested
    results = _by_id(report)
    for item in ITEMS.values():
        result = results[item.id]
        expected = "attested" if item.attest else "pass"
        assert result.status == expected, (item.id, _evidence(result))
        assert result.evidence, item.id
    assert not report.failed() and not report.failed(strict=True)


@pytest.mark.parametrize(
    ("item_id", "fragment"),
    [
        ("api-key-in-secrets-manager", "key held by secret synap/inst_a/api-key"),
        ("webhook-signature-verified", "app/synap_app.py:14"),
        ("key-rotation-scheduled", "rotates every 30 days"),
        ("sdk-log-level", "log_level = WARNING config/synap.yaml:3"),
        ("sdk-cache-backend", "cache_backend = sqlite"),
        ("sdk-session-timeout", "session_timeout_minutes = 60"),
        ("sdk-timeouts", "config/synap.yaml"),
        ("sdk-retry-jitter", "backoff_jitter = true"),
        ("correlation-id-logged", "app/synap_app.py:21"),
        ("error-rate-alarm", "error-rate alarm"),
        ("latency-alarms", "latency-context.fetch-accurate"),
        ("auth-failure-alarm", "auth"),
        ("runbooks-present", "runbooks/rollback.md"),
        ("least-privilege-roles", "no wildcard secret or KMS grants"),
    ],
)
def test_pass_evidence_names_what_was_seen(tmp_path: Path, item_id: str, fragment: str) -> None:
    report = _report(tmp_path, attest=attestations_yaml())
    assert fragment in _evidence(_by_id(report)[item_id])


# -- the fail path, one mutation per item ------------------------------------------------------

REPO_FAILS: dict[str, tuple[dict[str, str | None], str]] = {
    "api-key-in-secrets-manager": ({".env": "SYNAP_API_KEY={key}\n"}, "synap-api-key"),
    "webhook-signature-verified": (
        {
            "app/synap_app.py": "import hmac\n\ndef ok(a, b):\n    return a == b\n",
        },
        "no code verifies a webhook signature",
    ),
    "sdk-log-level": (
        {"config/synap.yaml": "synap:\n  log_level: DEBUG\n  read_timeout: 5\n"},
        "log_level is DEBUG",
    ),
    "sdk-cache-backend": (
        {"config/synap.yaml": "synap:\n  cache_backend: memory\n  read_timeout: 5\n"},
        'use "sqlite"',
    ),
    "sdk-session-timeout": (
        {"config/synap.yaml": "synap:\n  session_timeout_minutes: 2000\n  read_timeout: 5\n"},
        "within 5..1440",
    ),
    "sdk-timeouts": (
        {"config/synap.yaml": "synap:\n  log_level: WARNING\n"},
        "without connect/read/write timeouts",
    ),
    "sdk-retry-jitter": (
        {"config/synap.yaml": "synap:\n  backoff_jitter: false\n  read_timeout: 5\n"},
        "backoff_jitter is off",
    ),
    "correlation-id-logged": (
        {
            "app/errors.py": "import logging\nlog = logging.getLogger('synap')\n"
            "def handle(exc):\n    log.error('synap call failed: %s', exc)\n"
        },
        "without the correlation id (first: app/errors.py:4)",
    ),
    "runbooks-present": ({"runbooks/rollback.md": None}, "has no rollback page"),
}


@pytest.mark.parametrize("item_id", sorted(REPO_FAILS))
def test_repo_violation_fails_its_item(tmp_path: Path, item_id: str) -> None:
    files, fragment = REPO_FAILS[item_id]
    files = {k: v.format(key=generate_key()) if v else v for k, v in files.items()}
    report = _report(tmp_path, repo_files=files, attest=attestations_yaml())
    results = _by_id(report)
    assert results[item_id].status == "fail", _evidence(results[item_id])
    assert fragment in _evidence(results[item_id])
    assert report.failed()


def _insecure_iam(export: Export) -> Export:
    res = _find(export, "rotation-policy")
    policy = json.loads(res["inputs"]["policy"])
    policy["Statement"].append({"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"})
    res["inputs"]["policy"] = res["outputs"]["policy"] = json.dumps(policy)
    return export


def _key_in_env(export: Export) -> Export:
    env = {"variables": {"SYNAP_API_KEY": generate_key(), "SYNAP_GRACE_SECONDS": "172800"}}
    return _set_input("rotation", "environment", env)(export)


def _unmanaged(export: Export) -> Export:
    return _set_input("inst_a-api-key", "tags", {})(export)


def _slow_rotation(export: Export) -> Export:
    return _set_input("inst_a-rotation", "rotationRules", {"automaticallyAfterDays": 90.0})(export)


def _short_grace(export: Export) -> Export:
    env = {"variables": {"SYNAP_GRACE_SECONDS": "3600"}}
    return _set_input("rotation", "environment", env)(export)


def _silent_auth_alarm(export: Export) -> Export:
    return _set_input("auth", "alarmActions", [])(export)


STACK_FAILS: dict[str, tuple[Callable[[Export], Export], str, str]] = {
    "key in a resource input": (
        _key_in_env,
        "api-key-in-secrets-manager",
        "environment.variables.SYNAP_API_KEY",
    ),
    "no managed secret": (_unmanaged, "api-key-in-secrets-manager", "no managed Synap secret"),
    "rotation too slow": (_slow_rotation, "key-rotation-scheduled", "the limit is 30"),
    "no rotation": (
        lambda e: _drop(e, "inst_a-rotation"),
        "key-rotation-scheduled",
        "has no SecretRotation",
    ),
    "revoke grace too short": (_short_grace, "key-rotation-scheduled", "SYNAP_GRACE_SECONDS=3600"),
    "rotation alarm missing": (
        lambda e: _drop(e, "overdue"),
        "key-rotation-scheduled",
        "rotation overdue",
    ),
    "error-rate alarm missing": (
        lambda e: _drop(e, "error-rate"),
        "error-rate-alarm",
        "error rate",
    ),
    "latency alarm missing": (
        lambda e: _drop(e, "latency-context.fetch-accurate"),
        "latency-alarms",
        "context.fetch accurate",
    ),
    "auth alarm missing": (lambda e: _drop(e, "auth"), "auth-failure-alarm", "AuthFailures"),
    "auth alarm notifies nobody": (
        _silent_auth_alarm,
        "auth-failure-alarm",
        "notifies no SNS topic",
    ),
    "IAM wildcard": (_insecure_iam, "least-privilege-roles", "secretsmanager:*"),
}


@pytest.mark.parametrize("case", sorted(STACK_FAILS))
def test_stack_violation_fails_its_item_only(tmp_path: Path, case: str) -> None:
    mutate, item_id, fragment = STACK_FAILS[case]
    report = _report(tmp_path, export=mutate(good_export()), attest=attestations_yaml())
    results = _by_id(report)
    assert results[item_id].status == "fail", _evidence(results[item_id])
    assert fragment in _evidence(results[item_id])
    others = {r.item.id for r in report.results if r.status == "fail"} - {item_id}
    if case not in ("no managed secret",):  # without a managed secret, nothing is watched
        assert not others, (case, others)


def test_without_a_managed_secret_the_stack_items_all_fail(tmp_path: Path) -> None:
    report = _report(tmp_path, export=_unmanaged(good_export()))
    failing = {r.item.id for r in report.results if r.status == "fail"}
    assert failing == {
        "api-key-in-secrets-manager",
        "key-rotation-scheduled",
        "error-rate-alarm",
        "latency-alarms",
        "auth-failure-alarm",
    }


def test_settings_that_are_never_set_fail(tmp_path: Path) -> None:
    # GIVEN Synap settings that set only the timeouts: nothing says which log level is used
    files: dict[str, str | None] = {"config/synap.yaml": "synap:\n  read_timeout: 30\n"}
    results = _by_id(_report(tmp_path, repo_files=files))
    for item_id in ("sdk-log-level", "sdk-cache-backend", "sdk-session-timeout"):
        assert results[item_id].status == "fail"
        assert "is not set anywhere" in _evidence(results[item_id])
    assert "no Synap SDK configuration found" in _evidence(results["sdk-timeouts"])


def test_settings_in_a_consumers_env_vars_count(tmp_path: Path) -> None:
    # GIVEN no SDK config in the repository, but a consumer function with SYNAP_* env vars
    export = good_export()
    env = {
        "variables": {
            "SYNAP_LOG_LEVEL": "ERROR",
            "SYNAP_CACHE_BACKEND": "sqlite",
            "SYNAP_SESSION_TIMEOUT_MINUTES": "30",
            "SYNAP_BACKOFF_JITTER": "true",
            "SYNAP_READ_TIMEOUT": "30",
        }
    }
    export["deployment"]["resources"].append(
        {
            "urn": "urn:pulumi:test::synap-keyops::aws:lambda/function:Function::app",
            "type": "aws:lambda/function:Function",
            "inputs": {"environment": env},
            "outputs": {},
        }
    )
    results = _by_id(_report(tmp_path, repo_files={"config/synap.yaml": None}, export=export))
    for item_id in ("sdk-log-level", "sdk-cache-backend", "sdk-session-timeout", "sdk-timeouts"):
        assert results[item_id].status == "pass", (item_id, _evidence(results[item_id]))
    assert "SYNAP_LOG_LEVEL" in _evidence(results["sdk-log-level"])
    assert "aws:lambda/function:Function::app" in _evidence(results["sdk-timeouts"])


def test_a_bad_setting_in_a_consumers_env_vars_fails(tmp_path: Path) -> None:
    export = _set_input("rotation", "environment", {"variables": {"SYNAP_LOG_LEVEL": "DEBUG"}})(
        good_export()
    )
    results = _by_id(_report(tmp_path, export=export))
    assert results["sdk-log-level"].status == "fail"
    assert "urn:pulumi:" in _evidence(results["sdk-log-level"])


def test_an_allow_comment_the_scanner_honours_is_honoured(tmp_path: Path) -> None:
    key = generate_key()
    line = f"SYNAP_API_KEY={key}  # synap-policy: allow synap-api-key revoked test key\n"
    results = _by_id(_report(tmp_path, repo_files={".env.example": line}))
    assert results["api-key-in-secrets-manager"].status == "pass"


def test_ignored_files_are_not_read(tmp_path: Path) -> None:
    files: dict[str, str | None] = {
        ".gitignore": ".env\n",
        ".env": f"SYNAP_API_KEY={generate_key()}\n",
    }
    results = _by_id(_report(tmp_path, repo_files=files))
    assert results["api-key-in-secrets-manager"].status == "pass"


def test_no_secret_value_in_any_rendering(tmp_path: Path) -> None:
    key = generate_key()
    report = _report(tmp_path, repo_files={"app/settings.py": f'API_KEY = "{key}"\n'})
    from policies.checklist import render

    for fmt in ("text", "markdown", "json"):
        assert key not in render(report, fmt)
        assert key[6:20] not in render(report, fmt)


# -- missing inputs ----------------------------------------------------------------------------


def test_without_inputs_automated_items_are_manual_not_passed(tmp_path: Path) -> None:
    report = _report(tmp_path, use_repo=False, use_stack=False)
    for r in report.results:
        assert r.status == "manual", r.item.id
        if r.item.automated and not r.item.attest:
            assert "not checked: give" in _evidence(r)
    assert not report.failed()
    assert report.failed(strict=True)


def test_stack_only_leaves_repo_items_manual(tmp_path: Path) -> None:
    results = _by_id(_report(tmp_path, use_repo=False))
    assert results["key-rotation-scheduled"].status == "pass"
    assert results["sdk-log-level"].status == "manual"
    assert "--repo" in _evidence(results["sdk-log-level"])
    # needs both: a stack alone cannot show the repository is free of keys
    assert results["api-key-in-secrets-manager"].status == "manual"


def test_a_failing_rule_wins_over_a_missing_input(tmp_path: Path) -> None:
    files: dict[str, str | None] = {".env": f"SYNAP_API_KEY={generate_key()}\n"}
    results = _by_id(_report(tmp_path, repo_files=files, use_stack=False))
    assert results["api-key-in-secrets-manager"].status == "fail"


def test_attestation_cannot_override_a_failing_rule(tmp_path: Path) -> None:
    report = _report(
        tmp_path,
        export=_insecure_iam(good_export()),
        attest=attestations_yaml(items=("least-privilege-roles",)),
    )
    assert _by_id(report)["least-privilege-roles"].status == "fail"


def test_attestable_items_are_exactly_the_person_only_ones() -> None:
    assert set(attestable_ids()) == {
        "sdk-credentials-source",
        "use-case-reviewed",
        "retrieval-quality-checked",
        "instance-active",
        "transient-errors-handled",
        "dashboard-reviewed-weekly",
        "batch-ingestion",
        "context-fetch-mode",
        "least-privilege-roles",
        "support-channel-known",
    }
