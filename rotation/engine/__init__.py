"""The rotation engine: Secrets Manager rotation protocol for Synap keys.

``engine.Engine`` runs the four steps and the deploy action; ``revoke`` the revoke
action and the sweep; ``operations`` rollback, repair, emergency-revoke and adopt;
``report`` status and audit; ``driver`` runs a whole rotation in-process.
Pure decisions live in ``decide``; boto3 in ``aws``; the per-kind part in ``strategy``.
This package's ``__init__`` imports nothing so that ``rotation.config`` can use its
exceptions without a cycle.
"""

__all__: list[str] = []
