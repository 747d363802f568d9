"""synap-keyops Pulumi program: KMS key, secrets, rotation Lambda, schedules, alarms, dashboard.

Modules: `config` (stack config validation), `iam` / `alarms` / `dashboard` / `naming`
(pure builders), `service` and `instance` (ComponentResources), `program` (assembly),
`mocks` and `plan` (offline `make plan`). Importing the package imports no Pulumi.
"""

from infra.exceptions import ConfigError, InfraError, PackageError

__all__ = ["ConfigError", "InfraError", "PackageError"]
