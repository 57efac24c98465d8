"""API keys resolved once and remembered briefly, for the hot device paths (Observation
ingestion over HTTP and MQTT) where a database lookup per request would cost more than the
work itself. A revoked key stops working there within `SMARTCITY_INGEST_CACHE_SECONDS`;
everywhere else it stops at once."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import transaction
from smartcity.core.identity.apikeys import KEY_PREFIX, authenticate_api_key
from smartcity.core.identity.tokens import digest
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM


@dataclass(frozen=True)
class KeyGrant:
    key_id: int
    municipality_id: int
    municipality_slug: str
    scopes: frozenset[str]


class ApiKeyCache:
    def __init__(self, sessions: sessionmaker[Session], ttl_seconds: float) -> None:
        self._sessions = sessions
        self._ttl = ttl_seconds
        # Keyed by the key's SHA-256, never by the secret itself.
        self._grants: dict[str, tuple[float, KeyGrant]] = {}

    def cached(self, secret: str) -> KeyGrant | None:
        """The grant if it is in the cache and fresh; no I/O."""
        entry = self._grants.get(digest(secret))
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def lookup(self, secret: str) -> KeyGrant | None:
        """The grant for a valid key (from the cache or the database); None otherwise.
        Unknown keys are not cached: a guess must not poison the cache."""
        grant = self.cached(secret)
        if grant is not None or not secret.startswith(KEY_PREFIX):
            return grant
        with transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as db:
            key = authenticate_api_key(db, secret)
            if key is None:
                return None
            municipality = db.get(Municipality, key.municipality_id)
            assert municipality is not None
            grant = KeyGrant(key.id, municipality.id, municipality.slug, frozenset(key.scopes))
        if self._ttl > 0:
            self._grants[digest(secret)] = (time.monotonic() + self._ttl, grant)
        return grant

    def clear(self) -> None:
        self._grants.clear()

    def forget(self, key_hash: str) -> None:
        """A key was revoked through this process: it stops working here at once."""
        self._grants.pop(key_hash, None)
