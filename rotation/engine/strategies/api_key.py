"""The ``api-key`` kind: Synap API keys made and revoked through the admin API."""

from __future__ import annotations

from collections.abc import Callable

from rotation.engine.decide import SweepCandidate, parse_time
from rotation.engine.strategies.base import Credential
from rotation.engine.values import KeyValue, parse_key_value
from rotation.exceptions import VerifyError
from rotation.synap_client import SynapAdminClient

__all__ = ["API_KEY_KIND", "SynapApiKeyStrategy"]

API_KEY_KIND = "api-key"


class SynapApiKeyStrategy:
    """Synap API keys through the admin API (``SynapAdminClient``)."""

    kind = API_KEY_KIND

    def __init__(self, synap: Callable[[], SynapAdminClient]) -> None:
        self._synap_factory = synap
        self._synap: SynapAdminClient | None = None

    @property
    def synap(self) -> SynapAdminClient:
        if self._synap is None:
            self._synap = self._synap_factory()
        return self._synap

    def parse(self, raw: str | None, *, where: str = "secret value") -> KeyValue:
        return parse_key_value(raw, where=where)

    def mint(self, scope: str, label: str) -> KeyValue:
        # The value of a key made by an earlier attempt with this label was never stored
        # (or the caller would have found it): revoke it so only one key per token lives.
        self.synap.revoke_label(scope, label)
        made = self.synap.create_key(scope, label)
        return KeyValue(
            key_id=made.key_id,
            instance_id=scope,
            label=made.label,
            created_at=made.created_at,
            api_key=made.api_key,
        )

    def check(self, cred: Credential) -> None:
        for key in self.synap.list_keys(cred.instance_id):
            if key.key_id == cred.key_id:
                if not key.active:
                    raise VerifyError(f"key {cred.key_id} is {key.status} at Synap")
                return
        raise VerifyError(f"key {cred.key_id} is not listed at Synap")

    def accepts(self, cred: Credential) -> bool:
        assert isinstance(cred, KeyValue)
        return self.synap.verify_key(cred.instance_id, cred.api_key)

    def retire(self, scope: str, credential_id: str) -> None:
        self.synap.revoke_key(scope, credential_id)

    def last_used(self, scope: str, credential_id: str) -> float | None:
        for key in self.synap.list_keys(scope):
            if key.key_id == credential_id:
                return parse_time(key.last_used_at)
        return None

    def listed(self, scope: str) -> list[SweepCandidate]:
        return [
            SweepCandidate(k.key_id, k.label, k.active, parse_time(k.created_at))
            for k in self.synap.list_keys(scope)
        ]

    def close(self) -> None:
        if self._synap is not None:
            self._synap.close()
