"""The Synap API key, loaded from Secrets Manager and kept fresh across rotations.

Example::

    provider = KeyProvider("synap/prod/api-key")            # or SYNAP_API_KEY_SECRET_ID
    result = provider.call(lambda key: sdk_call(api_key=key.api_key))

``call`` is the 401 rule: when Synap rejects the key, re-read ``AWSCURRENT`` once and,
if it holds a different version, retry once with it. Never a loop: a second 401, or a
re-read that finds the same version, raises the AuthenticationError.

Cost at the default TTL (300 s, jitter 10 %): one ``GetSecretValue`` per 270-300 s,
i.e. 12-13.3 (mean ~12.6) calls per hour per process, plus one per forced refresh.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from rotation.consumer.cache import RefreshingCache
from rotation.consumer.config import (
    CONSUMER_ENV,
    DEFAULT_KEY_TTL_SECONDS,
    number_setting,
    setting,
)
from rotation.consumer.exceptions import SecretFormatError
from rotation.consumer.secrets import SecretReader, SecretsManagerReader, SecretVersion, Stage
from rotation.exceptions import AuthenticationError
from rotation.keys import is_key, redact

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["KeyProvider", "SynapKey"]

T = TypeVar("T")
log = logging.getLogger("rotation.consumer")


@dataclass(frozen=True)
class SynapKey:
    """An API key with where it came from. ``repr`` shows ``synap_AbCd…`` only."""

    api_key: str = field(repr=False)
    key_id: str
    instance_id: str
    version_id: str
    stage: str

    def __repr__(self) -> str:
        return (
            f"SynapKey(key_id={self.key_id!r}, instance_id={self.instance_id!r}, "
            f"version_id={self.version_id!r}, stage={self.stage!r}, "
            f"api_key='{redact(self.api_key)}')"
        )


def parse_key_secret(version: SecretVersion) -> SynapKey:
    """Read the rotation engine's JSON value (``api_key``, ``key_id``, ``instance_id``, ...)."""
    where = f"secret {version.secret_id!r} ({version.stage})"
    try:
        data = json.loads(version.value)
    except ValueError:
        # Not JSON: accept a bare key (a secret created by hand) but say nothing of its value.
        data = {"api_key": version.value.strip()}
    if not isinstance(data, dict):
        raise SecretFormatError(f"{where} is not a JSON object")
    api_key = data.get("api_key")
    if not isinstance(api_key, str) or not is_key(api_key):
        raise SecretFormatError(f"{where} has no well-formed api_key (synap_ + 58 base62)")
    return SynapKey(
        api_key=api_key,
        key_id=str(data.get("key_id") or ""),
        instance_id=str(data.get("instance_id") or ""),
        version_id=version.version_id,
        stage=version.stage,
    )


class KeyProvider:
    """Thread-safe, cached access to the current Synap API key of one secret."""

    def __init__(
        self,
        secret_id: str | None = None,
        *,
        client: SecretsManagerClient | None = None,
        reader: SecretReader | None = None,
        ttl_seconds: float | None = None,
        jitter: float = 0.1,
        min_refresh_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        auth_errors: tuple[type[BaseException], ...] = (AuthenticationError,),
    ) -> None:
        resolved = setting(secret_id, CONSUMER_ENV.api_key_secret_id)
        if not resolved:
            raise ValueError(
                f"no secret id: pass secret_id or set {CONSUMER_ENV.api_key_secret_id}"
            )
        self.secret_id = resolved
        self.reader = reader or SecretsManagerReader(client)
        ttl = number_setting(
            ttl_seconds, CONSUMER_ENV.key_cache_ttl_seconds, DEFAULT_KEY_TTL_SECONDS
        )
        self._cache: RefreshingCache[SynapKey] = RefreshingCache(
            lambda: self.read_stage("AWSCURRENT"),
            ttl_seconds=ttl,
            jitter=jitter,
            min_refresh_seconds=min_refresh_seconds,
            clock=clock,
            rand=rand,
            identity=lambda key: key.version_id,
        )
        #: what ``call`` treats as "Synap rejected the key": add your SDK's 401 error here
        self.auth_errors = auth_errors
        #: 401s answered by a refresh that found a newer key
        self.auth_refreshes = 0
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyProvider(secret_id={self.secret_id!r}, ttl_seconds={self._cache.ttl_seconds})"

    @property
    def cache(self) -> RefreshingCache[SynapKey]:
        return self._cache

    def get(self) -> SynapKey:
        """The current key, from cache (re-read after the TTL)."""
        return self._cache.get()

    def refresh(self, seen: SynapKey | None = None) -> SynapKey:
        """Re-read ``AWSCURRENT`` now (throttled; see :class:`RefreshingCache`)."""
        return self._cache.refresh(seen)

    def read_stage(self, stage: Stage) -> SynapKey:
        """Read the key in ``stage`` directly, uncached: for verification tools and tests."""
        return parse_key_secret(self.reader.read(self.secret_id, stage))

    def call(self, fn: Callable[[SynapKey], T]) -> T:
        """Run ``fn(key)``; on a 401/403, refresh once and retry once if the key changed."""
        key = self.get()
        try:
            return fn(key)
        except self.auth_errors as exc:
            correlation_id = getattr(exc, "correlation_id", None)
            fresh = self.refresh(seen=key)
            if fresh.version_id == key.version_id:
                log.warning(
                    "Synap rejected the key and the secret holds no newer one",
                    extra={"correlation_id": correlation_id, "key_id": key.key_id},
                )
                raise
            with self._count_lock:
                self.auth_refreshes += 1
            log.info(
                "Synap rejected the cached key; retrying once with the current one",
                extra={
                    "correlation_id": correlation_id,
                    "old_key_id": key.key_id,
                    "key_id": fresh.key_id,
                },
            )
        return fn(fresh)
