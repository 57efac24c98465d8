"""Entities that other modules create through the Writer (a lighting controller's Tasks) are
announced like those created over HTTP: the module raises `EntitiesCreated` in its
transaction, and after the commit this module publishes the MQTT notifications, so a device
subscribed to `v1.1/TaskingCapabilities(7)/Tasks` gets its command whoever created it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcity.core.db import transaction
from smartcity.core.events import DomainEvent
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.query import QueryOptions
from smartcity.sensorthings.reading import Links, Reader

if TYPE_CHECKING:
    from smartcity.sensorthings.ingest.runtime import IngestRuntime


@dataclass(frozen=True, kw_only=True)
class EntitiesCreated(DomainEvent):
    slug: str
    entity: str
    ids: tuple[int, ...]


def announce(runtime: IngestRuntime, event: EntitiesCreated) -> None:
    from smartcity.sensorthings.mqtt.bridge import parent_topics

    bridge = runtime.bridge
    if bridge is None or not event.ids:
        return
    entity = ENTITY_TYPES[event.entity]
    settings = runtime.platform.settings
    links = Links(f"{settings.effective_public_url}/{event.slug}/sta/v1.1")
    with transaction(runtime.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        reader = Reader(db, links, max_top=1)
        for ident in event.ids:
            row = db.get(entity.model, ident)
            if row is None:
                continue
            body = reader.entity(row, entity, QueryOptions())
            bridge.entity_written(
                event.slug, entity, body, parents=parent_topics(db, entity, ident)
            )
