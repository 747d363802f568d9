"""The CrossGuard policy pack: ``pulumi preview --policy-pack policies``.

Building ``PolicyPack`` starts the analyzer's gRPC server and blocks, so it happens
only here; the policies themselves live in :mod:`policies.pack`.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(POLICIES),
    description="Synap production checklist: no embedded keys, CMK encryption, rotation "
    "within the tier's period, 48 h grace, monitoring alarms, least-privilege IAM.",
)
