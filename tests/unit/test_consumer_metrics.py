"""EMF output: valid per the spec, and exactly the metrics the infra alarms watch."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from rotation.consumer import CallOutcome, EmfMetrics, SynapCallGuard, emf_record
from rotation.consumer.exceptions import SecretNotFoundError, SecretUnavailableError
from rotation.contract import (
    ALARM_DEFAULTS,
    CLIENT_METRICS,
    CLIENT_NAMESPACE,
    INSTANCE_DIMENSION,
    LATENCY_ALARMS,
    LATENCY_DIMENSIONS,
)
from rotation.exceptions import (
    AuthenticationError,
    InvalidInputError,
    NetworkTimeoutError,
    RateLimitError,
    ServiceUnavailableError,
)

Point = tuple[str, str, str, frozenset[tuple[str, str]], float]


def extract(record: dict[str, Any]) -> Iterator[Point]:
    """What CloudWatch makes of one EMF document: (namespace, name, unit, dims, value).

    Also checks the document against the EMF specification's rules.
    """
    meta = record["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 0
    directives = meta["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    for directive in directives:
        assert isinstance(directive["Namespace"], str) and directive["Namespace"]
        assert len(directive["Metrics"]) <= 100
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(record[key], str) and record[key], key
            dims = frozenset((k, record[k]) for k in dimension_set)
            for metric in directive["Metrics"]:
                value = record[metric["Name"]]
                assert isinstance(value, int | float) and not isinstance(value, bool)
                yield directive["Namespace"], metric["Name"], metric["Unit"], dims, float(value)


#: The EMF specification's JSON schema for the metadata (AWS docs, "Specification: Embedded
#: metric format"), transcribed: what CloudWatch Logs checks before it extracts metrics.
UNITS = [
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]  # fmt: skip
EMF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "properties": {
                            "Namespace": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "Dimensions": {
                                "type": "array",
                                "items": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 30,
                                    "items": {"type": "string", "minLength": 1, "maxLength": 250},
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 1024,
                                        },
                                        "Unit": {"enum": UNITS},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


def test_emf_lines_validate_against_the_specification_schema() -> None:
    import jsonschema

    outcomes = [
        CallOutcome("memories.create", "fast", 3.2),
        CallOutcome("context.fetch", "accurate", 900.0, "rate_limited", False, "cid-9"),
    ]
    for record in lines_for(outcomes):
        jsonschema.validate(record, EMF_SCHEMA)


def lines_for(outcomes: list[CallOutcome], instance: str = "inst_abc") -> list[dict[str, Any]]:
    out: list[str] = []
    metrics = EmfMetrics(instance, write=out.append, clock=lambda: 1_800_000_000.5)
    for outcome in outcomes:
        metrics.record(outcome)
    return [json.loads(line) for line in out]


def test_every_line_is_one_json_document_with_the_contract_names() -> None:
    (record,) = lines_for([CallOutcome("context.fetch", "fast", 12.5)])
    points = list(extract(record))
    assert {p[1] for p in points} == set(CLIENT_METRICS)
    for namespace, name, unit, dims, _ in points:
        assert namespace == CLIENT_NAMESPACE
        assert unit == CLIENT_METRICS[name]
        keys = {k for k, _ in dims}
        assert keys == (set(LATENCY_DIMENSIONS) if name == "Latency" else {INSTANCE_DIMENSION})
    assert record["_aws"]["Timestamp"] == 1_800_000_000_500


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (CallOutcome("m", "fast", 1), {"Requests": 1, "Errors": 0}),
        (CallOutcome("m", "fast", 1, "auth"), {"Errors": 1, "AuthFailures": 1, "RateLimited": 0}),
        (CallOutcome("m", "fast", 1, "rate_limited"), {"Errors": 1, "RateLimited": 1}),
        (CallOutcome("m", "fast", 1, "other"), {"Errors": 1, "AuthFailures": 0}),
        (CallOutcome("m", "fast", 1, None, True), {"ZeroResults": 1, "Errors": 0}),
    ],
)
def test_counts_per_outcome(outcome: CallOutcome, expected: dict[str, int]) -> None:
    record = emf_record("inst_abc", outcome, 1)
    for name, value in expected.items():
        assert record[name] == value, name


def alarm_metric_refs(instance: str) -> list[Any]:
    """The client metrics the infra alarms watch, from infra's own alarm builder."""
    alarms = pytest.importorskip("infra.alarms")
    config = pytest.importorskip("infra.config")
    thresholds = config.AlarmThresholds(dict(ALARM_DEFAULTS), LATENCY_ALARMS)
    instance_cfg = config.InstanceConfig(instance, "standard", 90, (), thresholds)
    refs = []
    for spec in alarms.instance_alarms(instance_cfg, []):
        for ref in [spec.metric, *spec.inputs.values()]:
            if ref is not None and ref.namespace == CLIENT_NAMESPACE:
                refs.append(ref)
    return refs


def test_emf_output_feeds_every_client_alarm_in_infra() -> None:
    instance = "inst_0123456789abcdef"
    refs = alarm_metric_refs(instance)
    assert {r.name for r in refs} == set(CLIENT_METRICS)  # every metric has an alarm
    # One call per operation/mode the latency alarms watch, as the wrapper records them.
    outcomes = [CallOutcome(a.operation, a.mode, 1.0) for a in LATENCY_ALARMS]
    emitted = {
        (ns, name, dims)
        for rec in lines_for(outcomes, instance)
        for ns, name, _, dims, _ in extract(rec)
    }
    for ref in refs:
        wanted = (ref.namespace, ref.name, frozenset(ref.dimensions.items()))
        assert wanted in emitted, f"alarm metric {ref} is never emitted"


def test_guard_records_the_operations_the_latency_alarms_name() -> None:
    lines: list[str] = []
    guard = SynapCallGuard(EmfMetrics("inst_abc", write=lines.append))
    for alarm in LATENCY_ALARMS:
        guard.call(alarm.operation, lambda: None, mode=alarm.mode)
    seen = {(json.loads(x)["Operation"], json.loads(x)["Mode"]) for x in lines}
    assert seen == {(a.operation, a.mode) for a in LATENCY_ALARMS}


# -- the call guard ----------------------------------------------------------------------


class Ticker:
    def __init__(self, step: float) -> None:
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def guard_and_lines() -> tuple[SynapCallGuard, list[str]]:
    lines: list[str] = []
    return SynapCallGuard(EmfMetrics("inst_abc", write=lines.append), timer=Ticker(0.25)), lines


def test_success_returns_the_result_and_times_it() -> None:
    guard, lines = guard_and_lines()
    assert guard.call("memories.create", lambda: {"id": 1}, mode="fast") == {"id": 1}
    record = json.loads(lines[-1])
    assert record["Latency"] == 250.0 and record["Errors"] == 0
    assert record["Operation"] == "memories.create" and record["Mode"] == "fast"


@pytest.mark.parametrize(
    "error",
    [
        NetworkTimeoutError("timed out", correlation_id="cid-1"),
        ServiceUnavailableError("503", correlation_id="cid-1", status_code=503),
        RateLimitError("429", correlation_id="cid-1"),
        SecretUnavailableError("throttled", correlation_id="cid-1"),
    ],
)
def test_transient_errors_return_none_and_log_the_correlation_id(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    guard, lines = guard_and_lines()

    def fail() -> None:
        raise error

    with caplog.at_level(logging.WARNING, logger="rotation.consumer"):
        assert guard.call("context.fetch", fail, mode="fast") is None
    (log_record,) = caplog.records
    assert vars(log_record)["correlation_id"] == "cid-1"
    assert "transient" in log_record.getMessage()
    assert json.loads(lines[-1])["correlation_id"] == "cid-1"


@pytest.mark.parametrize(
    ("error", "metric"),
    [
        (AuthenticationError("401", correlation_id="cid-2"), "AuthFailures"),
        (InvalidInputError("400", correlation_id="cid-2"), "Errors"),
        (SecretNotFoundError("missing", correlation_id="cid-2"), "Errors"),
    ],
)
def test_permanent_errors_are_raised_counted_and_logged(
    error: Exception, metric: str, caplog: pytest.LogCaptureFixture
) -> None:
    guard, lines = guard_and_lines()

    def fail() -> None:
        raise error

    with caplog.at_level(logging.ERROR, logger="rotation.consumer"), pytest.raises(type(error)):
        guard.call("context.fetch", fail)
    assert vars(caplog.records[-1])["correlation_id"] == "cid-2"
    assert json.loads(lines[-1])[metric] == 1


def test_a_bug_in_the_callers_code_is_counted_and_re_raised() -> None:
    guard, lines = guard_and_lines()
    with pytest.raises(ZeroDivisionError):
        guard.call("context.fetch", lambda: 1 / 0)
    assert json.loads(lines[-1])["Errors"] == 1


def test_decorator_form() -> None:
    guard, lines = guard_and_lines()

    @guard.wrap("context.fetch", mode="accurate")
    def fetch(query: str) -> list[str]:
        raise ServiceUnavailableError(f"down for {query}")

    assert fetch("tea") is None
    assert json.loads(lines[-1])["Mode"] == "accurate"


def test_empty_instance_is_refused() -> None:
    with pytest.raises(ValueError, match="Instance"):
        EmfMetrics("")


class SdkTimeoutError(Exception):
    """Stands in for another SDK's exception type."""


def test_a_custom_classifier_teaches_the_guard_another_sdks_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines: list[str] = []
    leaked = "synap_" + "A" * 58

    def sdk_classes(exc: BaseException) -> tuple[Any, bool, str | None] | None:
        return ("other", True, "sdk-cid") if isinstance(exc, SdkTimeoutError) else None

    guard = SynapCallGuard(EmfMetrics("inst_abc", write=lines.append), classify=sdk_classes)

    def fail() -> None:
        raise SdkTimeoutError(f"timed out using {leaked}")

    with caplog.at_level(logging.WARNING, logger="rotation.consumer"):
        assert guard.call("context.fetch", fail) is None
    assert json.loads(lines[-1])["correlation_id"] == "sdk-cid"
    assert leaked not in caplog.text and "synap_AAAA" in caplog.text
