"""MQTT topics of the SensorThings extension and what they name.

Entity ids are unique across the instance, so a topic that names an entity
(`v1.1/Datastreams(5)/Observations`, `v1.1/Things(3)/name`) names its municipality too.
Topics for a whole entity set would mix municipalities; they carry the municipality's slug in
front, as the HTTP paths do: `dresden/v1.1/Observations`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from smartcity.sensorthings.entities import BY_PLURAL, EntityType

VERSION = "v1.1"
CREATE = re.compile(
    r"^v1\.1/(?:(?P<set>Datastreams|MultiDatastreams|FeaturesOfInterest)\((?P<id>[0-9]{1,18})\)/)?"
    r"Observations$"
)
# Our extension: the body of the CreateObservations request (18-088 §14.3.2, dataArray) as one
# message, so a gateway sends many readings in one message.
BULK = "v1.1/CreateObservations"
ENTITY = re.compile(r"^(?P<set>[A-Za-z]+)\((?P<id>[0-9]{1,18})\)$")
ERRORS_PREFIX = "errors/"


@dataclass(frozen=True)
class CreateTopic:
    """Where a device published Observations: under a (Multi)Datastream, a FeatureOfInterest,
    the plain collection (the body links the Datastream), or the bulk topic (dataArray)."""

    parent: str | None  # "Datastream", "MultiDatastream", "FeatureOfInterest"
    parent_id: int | None
    bulk: bool = False

    @property
    def names_municipality(self) -> bool:
        """Whether the topic names an entity, and so its municipality."""
        return self.parent is not None


# Devices publish to the same few thousand topics again and again; the bound keeps topics
# made up by a client from growing it.
@functools.lru_cache(maxsize=65_536)
def create_topic(topic: str) -> CreateTopic | None:
    if topic == BULK:
        return CreateTopic(None, None, bulk=True)
    match = CREATE.match(topic)
    if match is None:
        return None
    if match["set"] is None:
        return CreateTopic(None, None)
    singular = {
        "Datastreams": "Datastream",
        "MultiDatastreams": "MultiDatastream",
        "FeaturesOfInterest": "FeatureOfInterest",
    }[match["set"]]
    return CreateTopic(singular, int(match["id"]))


@dataclass(frozen=True)
class SubscriptionTopic:
    """What a subscriber asks for: one entity and below (`entity`, `entity_id`), or a
    municipality's whole entity set (`slug`, `entity`)."""

    entity: EntityType
    entity_id: int | None
    slug: str | None


def subscription_topic(topic: str) -> SubscriptionTopic | None:
    """The entity or entity set a subscription topic names, or None for anything else (also
    wildcards: a subscriber must say what it wants)."""
    base, _, _query = topic.partition("?")
    if "+" in base or "#" in base:
        return None
    parts = base.split("/")
    slug = None
    if len(parts) >= 2 and parts[0] != VERSION and parts[1] == VERSION:
        slug, parts = parts[0], parts[1:]
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    entity_match = ENTITY.match(parts[1])
    if entity_match is not None:
        entity = BY_PLURAL.get(entity_match["set"])
        if entity is None or slug is not None:
            return None
        return SubscriptionTopic(entity, int(entity_match["id"]), None)
    entity = BY_PLURAL.get(parts[1])
    if entity is None or slug is None or len(parts) != 2:
        return None
    return SubscriptionTopic(entity, None, slug)


def error_topic(topic: str) -> str:
    return ERRORS_PREFIX + topic


def entity_topic(entity: EntityType, ident: int, tail: str = "") -> str:
    return f"{VERSION}/{entity.plural}({ident}){'/' + tail if tail else ''}"


def collection_topic(slug: str, entity: EntityType) -> str:
    return f"{slug}/{VERSION}/{entity.plural}"


def selected_properties(topic: str) -> tuple[str, list[str]] | None:
    """`v1.1/Observations?$select=result,phenomenonTime` → the base topic and the properties;
    None for a topic without `$select`."""
    base, _, query = topic.partition("?")
    if not query.startswith("$select="):
        return None
    names = [name.strip() for name in query.removeprefix("$select=").split(",") if name.strip()]
    return (base, names) if names else None
