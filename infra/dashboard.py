"""CloudWatch dashboard body built from the alarm specs (pure), so it shows the same metrics.

One text header and one row of graphs per instance, each graph with its alarm threshold
drawn as a horizontal annotation; the rotation Lambda's alarms come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.alarms import AlarmSpec, MetricRef

__all__ = ["dashboard_body", "dashboard_url"]

WIDTH, HEIGHT = 8, 6


def _metric_row(ref: MetricRef, **options: Any) -> list[Any]:
    row: list[Any] = [ref.namespace, ref.name]
    for dim, value in ref.dimensions.items():
        row += [dim, value]
    row.append({"stat": ref.stat, "period": ref.period, **options})
    return row


def _widget(spec: AlarmSpec, region: str, title_prefix: str) -> dict[str, Any]:
    if spec.metric is not None:
        metrics = [_metric_row(spec.metric)]
    else:
        metrics = [[{"expression": spec.expression, "label": spec.key, "id": "result"}]]
        metrics += [_metric_row(ref, id=qid, visible=False) for qid, ref in spec.inputs.items()]
    return {
        "type": "metric",
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {
            "title": f"{title_prefix}{spec.key}",
            "region": region,
            "view": "timeSeries",
            "metrics": metrics,
            "annotations": {"horizontal": [{"label": "alarm", "value": spec.threshold}]},
        },
    }


def dashboard_body(
    region: str,
    service_alarms: Sequence[AlarmSpec],
    instance_alarms: Sequence[tuple[str, Sequence[AlarmSpec]]],
) -> dict[str, Any]:
    """The dashboard JSON: service alarms, then one section per (instance_id, alarms)."""
    widgets: list[dict[str, Any]] = [
        {
            "type": "text",
            "width": 24,
            "height": 1,
            "properties": {"markdown": "## Synap key rotation service"},
        }
    ]
    widgets += [_widget(spec, region, "rotation: ") for spec in service_alarms]
    for instance_id, specs in instance_alarms:
        widgets.append(
            {
                "type": "text",
                "width": 24,
                "height": 1,
                "properties": {"markdown": f"## Synap instance `{instance_id}`"},
            }
        )
        widgets += [_widget(spec, region, f"{instance_id}: ") for spec in specs]
    return {"widgets": widgets}


def dashboard_url(region: str, name: str) -> str:
    """Console URL of a CloudWatch dashboard."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home"
        f"?region={region}#dashboards:name={name}"
    )
