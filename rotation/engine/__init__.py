"""The rotation engine: Secrets Manager rotation protocol for Synap keys.

One job per module: ``steps`` the four protocol steps; ``deploy`` the deploy + verify
phase (``rollout`` runs the deployers); ``rollback``; ``revoke`` the revoke action and
the sweep; ``pins`` revoke-after labels and schedules; ``report`` status and audit;
``operations`` repair, emergency-revoke and adopt; ``driver`` a whole rotation
in-process. ``context.Engine`` holds collaborators and credentials; pure decisions live
in ``decide``, domain types in ``model``, boto3 in ``aws``, the per-kind part in
``strategies``. This ``__init__`` imports nothing: import the module you need.
"""

__all__: list[str] = []
