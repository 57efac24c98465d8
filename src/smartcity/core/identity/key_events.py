"""Events about API keys, for whoever keeps keys beyond one request (the ingestion path's key
cache, the embedded MQTT broker's connections)."""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ApiKeyRevoked(DomainEvent):
    """A key was revoked; `key_hash` is its digest (never the secret)."""

    key_id: int
    key_hash: str
