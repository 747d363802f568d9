"""The encryption rule: Synap secrets use a customer-managed KMS key."""

from __future__ import annotations

from policies.rules.model import Rule
from policies.rules.resource_model import Resource, Violation, is_synap_secret, is_unknown

__all__ = ["SECRET_CUSTOMER_MANAGED_KMS", "check_kms"]


def check_kms(r: Resource) -> list[Violation]:
    if not is_synap_secret(r):
        return []
    key = r.get("kmsKeyId")
    if is_unknown(key):
        return []
    if not isinstance(key, str) or not key or key.startswith("alias/aws/"):
        shown = key if isinstance(key, str) and key else "unset (aws/secretsmanager)"
        return [
            Violation(
                SECRET_CUSTOMER_MANAGED_KMS.id,
                f"secret {r.name} kmsKeyId is {shown}; use a customer-managed KMS key",
                r.urn,
            )
        ]
    return []


SECRET_CUSTOMER_MANAGED_KMS = Rule(
    "secret-customer-managed-kms",
    "Synap secret not encrypted with a customer-managed KMS key",
    "resource",
    "error",
    "mandatory",
    "Set kmsKeyId to a customer-managed key (not alias/aws/secretsmanager).",
    "Secrets encrypted with a customer-managed KMS key",
    resource_checks=(check_kms,),
)
