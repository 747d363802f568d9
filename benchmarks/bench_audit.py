"""Fleet audit: ``synap-rotation audit`` over 1,000 managed secrets in moto.

The fleet is created directly with boto3 (tags ``synap:kind`` / ``synap:instance``, the
engine's JSON value). The audit runs twice: in-process (``rotation.engine.report.audit``
on an engine whose botocore ``before-call`` hook counts every API call) and as the
operator runs it, ``synap-rotation audit --json`` in a subprocess (wall time). The peer
is a naive loop: list the tagged secrets, then ``describe_secret`` each. The target is
pagination only: ``ListSecrets`` already returns each secret's tags, version stages,
rotation rules and dates, so no per-secret call is needed for the report.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from benchmarks.common import (
    CallCounter,
    Row,
    aws_environment,
    bench_stack,
    engine_for,
    make_fleet,
    ratio,
    row,
)
from rotation.contract import KIND_TAG

SECRETS = int(os.environ.get("SYNAP_BENCH_AUDIT_SECRETS", "1000"))
#: ListSecrets returns at most 100 entries a page.
PAGE = 100


def naive(sm: Any) -> dict[str, Any]:
    """List the managed secrets, then describe each one: the loop an operator would write.
    The listing alone (ListSecrets pages, which already carry tags, stages and dates) is
    timed too: it is the floor a pagination-only audit would cost."""
    counter = CallCounter()
    counter.attach(sm)
    start = time.perf_counter()
    names = [
        s["Name"]
        for page in sm.get_paginator("list_secrets").paginate(
            Filters=[{"Key": "tag-key", "Values": [KIND_TAG]}]
        )
        for s in page["SecretList"]
    ]
    listed = time.perf_counter() - start
    pages = dict(counter.calls)
    described = [sm.describe_secret(SecretId=name) for name in names]
    return {
        "reported": len(described),
        "seconds": time.perf_counter() - start,
        "calls": counter.calls,
        "pages_seconds": listed,
        "pages_calls": sum(pages.values()),
    }


def measure(secrets: int = SECRETS, *, cli: bool = True) -> dict[str, Any]:
    import boto3

    from rotation.engine.report import audit

    with bench_stack() as stack, aws_environment(stack.env):
        start = time.perf_counter()
        make_fleet(stack, secrets, "synap/bench/audit")
        setup = time.perf_counter() - start
        session = boto3.session.Session()
        engine = engine_for(stack, session)
        engine.clients.client("secretsmanager")  # client creation is not the audit's cost
        start = time.perf_counter()
        report = audit(engine)
        ours_s = time.perf_counter() - start
        engine.close()
        peer = naive(session.client("secretsmanager"))
        cli_s = None
        if cli:
            start = time.perf_counter()
            result = stack.cli("audit", "--json", check=False, timeout=600)
            cli_s = time.perf_counter() - start
            if result.returncode not in (0, 1):
                raise RuntimeError(f"synap-rotation audit exited {result.returncode}")
    return {
        "secrets": secrets,
        "setup_seconds": setup,
        "reported": len(report["secrets"]),
        "ours_seconds": ours_s,
        "ours_calls": dict(engine.clients.calls),
        "naive_reported": peer["reported"],
        "naive_seconds": peer["seconds"],
        "naive_calls": peer["calls"],
        "pages_seconds": peer["pages_seconds"],
        "pages_calls": peer["pages_calls"],
        "cli_seconds": cli_s,
    }


def rows_from(m: dict[str, Any]) -> list[Row]:
    n = m["secrets"]
    pages = max(1, math.ceil(n / PAGE))
    ours_calls = sum(m["ours_calls"].values())
    naive_calls = sum(m["naive_calls"].values())
    # The DaysSinceLastRotation metric the overdue alarms read: one PutMetricData per 1,000.
    metric_batches = max(1, math.ceil(n / 1000))
    per_secret = (
        ours_calls
        - m["ours_calls"].get("secretsmanager.ListSecrets", 0)
        - m["ours_calls"].get("cloudwatch.PutMetricData", 0)
    )
    time_ratio = ratio(m["ours_seconds"], m["naive_seconds"])
    rows = [
        row(
            "fleet audit",
            f"API calls, audit of {n} secrets ({per_secret} per-secret, metric batched)",
            ours_calls,
            "naive describe-each loop",
            naive_calls,
            ratio(ours_calls, naive_calls),
            f"pagination + metric batches (<= {pages + metric_batches} calls)",
            ours_calls <= pages + metric_batches,
            calls_ours=m["ours_calls"],
            calls_naive=m["naive_calls"],
        ),
        row(
            "fleet audit",
            f"audit of {n} secrets, in-process (s)",
            round(m["ours_seconds"], 2),
            "naive describe-each loop",
            round(m["naive_seconds"], 2),
            time_ratio,
            "<= 1x",
            time_ratio is not None and time_ratio <= 1,
        ),
        row(
            "fleet audit",
            "secrets in the report",
            m["reported"],
            "naive describe-each loop",
            m["naive_reported"],
            ratio(m["reported"], m["naive_reported"]),
            f"all {n}",
            m["reported"] == n,
        ),
    ]
    rows.append(
        row(
            "fleet audit",
            f"ListSecrets pagination alone, {n} secrets (s; {m['pages_calls']} calls)",
            round(m["pages_seconds"], 2),
            "naive describe-each loop",
            round(m["naive_seconds"], 2),
            ratio(m["pages_seconds"], m["naive_seconds"]),
            "(the pagination-only floor)",
            None,
        )
    )
    if m["cli_seconds"] is not None:
        rows.append(
            row(
                "fleet audit",
                f"synap-rotation audit --json, {n} secrets (s, subprocess)",
                round(m["cli_seconds"], 2),
                "naive describe-each loop",
                round(m["naive_seconds"], 2),
                ratio(m["cli_seconds"], m["naive_seconds"]),
                "(reported)",
                None,
            )
        )
    return rows


def run() -> list[Row]:
    return rows_from(measure())
