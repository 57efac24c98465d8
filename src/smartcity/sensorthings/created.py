"""Entities that other modules create through the Writer (a lighting controller's Tasks) are
announced like those created over HTTP: the module raises `EntitiesCreated` in its
transaction, and after the commit this module publishes the MQTT notifications
(`mqtt.notifier.announce`), so a device subscribed to `v1.1/TaskingCapabilities(7)/Tasks` gets
its command whoever created it."""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class EntitiesCreated(DomainEvent):
    slug: str
    entity: str
    ids: tuple[int, ...]
