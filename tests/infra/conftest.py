"""Fixtures of the infra tests: the program run once per stack config under the mocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.plan import build_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "Pulumi.example.yaml"

#: A second stack: existing admin secret, VPC placement, explicit days, lambda + http deployers.
ALT_CONFIG: dict[str, Any] = {
    "config": {
        "aws:region": "us-west-2",
        "synap-keyops:admin_secret_arn": (
            "arn:aws:secretsmanager:us-west-2:123456789012:secret:synap/admin-AbCdEf"
        ),
        "synap-keyops:vpc": {
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
            "security_group_ids": ["sg-0123456789abcdef0"],
        },
        "synap-keyops:reserved_concurrency": 2,
        "synap-keyops:instances": [
            {
                "instance_id": "inst_alt",
                "tier": 14,
                "webhook_secret": False,
                "deployers": [
                    {"type": "lambda", "functions": ["consumer-fn"]},
                    {
                        "type": "http",
                        "url": "https://deploy.example.com/hook",
                        "signing_secret_id": "hooks/signing",
                    },
                ],
            }
        ],
    }
}


class Plan:
    """A `pulumi stack export` dict with lookups by type and logical name."""

    def __init__(self, export: dict[str, Any]) -> None:
        self.export = export
        self.resources: list[dict[str, Any]] = export["deployment"]["resources"]
        self.text = json.dumps(export, sort_keys=True)

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_]

    def one(self, type_: str, name: str) -> dict[str, Any]:
        found = [r for r in self.of_type(type_) if r["urn"].endswith(f"::{name}")]
        assert len(found) == 1, f"{type_} {name}: {len(found)} found"
        return found[0]

    def children(self, parent_name: str) -> list[dict[str, Any]]:
        parents = [r["urn"] for r in self.resources if r["urn"].endswith(f"::{parent_name}")]
        assert len(parents) == 1
        return [r for r in self.resources if r["parent"] == parents[0]]

    @property
    def stack_outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = self.of_type("pulumi:pulumi:Stack")[0]["outputs"]
        return outputs


@pytest.fixture(scope="session")
def example_plan() -> Plan:
    return Plan(build_plan(EXAMPLE))


@pytest.fixture(scope="session")
def alt_config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stack") / "Pulumi.alt.yaml"
    path.write_text(yaml.safe_dump(ALT_CONFIG), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def alt_plan(alt_config_file: Path) -> Plan:
    return Plan(build_plan(alt_config_file))
