"""An MQTT message that creates an Observation, checked as the HTTP path checks it."""

from __future__ import annotations

import json
from typing import Any

from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.ingest.rows import NewObservation, NotSimple
from smartcity.sensorthings.ingest.targets import StreamKind, StreamTarget, TargetCache
from smartcity.sensorthings.mqtt.topics import CreateTopic


class BadMessage(Exception):
    """A message that can never be stored; `reason` labels the metric."""

    def __init__(self, reason: str, message: str, target: StreamTarget | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.target = target


def is_notification(data: bytes) -> bool:
    """Our own notifications travel on the same topics as devices' new Observations (as
    18-088 defines them); they are the ones that already have a selfLink."""
    return b'"@iot.selfLink"' in data


def observation_from_message(
    topic: CreateTopic, data: bytes, cache: TargetCache, municipality_id: int | None
) -> NewObservation:
    """`municipality_id`: the publishing key's municipality when the broker knows it (the
    embedded broker); None when the broker authorised the publish (an external broker)."""
    try:
        payload: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BadMessage("not_json", "The message is not JSON.") from None
    if not isinstance(payload, dict):
        raise BadMessage("invalid", "An Observation must be a JSON object.")
    target = _target(topic, payload, cache, municipality_id)
    if topic.parent == "FeatureOfInterest":
        payload = {**payload, "FeatureOfInterest": {"@iot.id": topic.parent_id}}
    try:
        return rows.from_entity(payload, target, cache)
    except BadRequest as exc:
        raise BadMessage("invalid", exc.message, target) from None
    except NotSimple:
        raise BadMessage(
            "invalid",
            "Over MQTT an Observation has the properties of 18-088 and links its "
            'FeatureOfInterest by id ({"@iot.id": …}); create new features over HTTP.',
            target,
        ) from None


def _target(
    topic: CreateTopic, payload: dict[str, Any], cache: TargetCache, municipality_id: int | None
) -> StreamTarget:
    kind: StreamKind
    if topic.parent in ("Datastream", "MultiDatastream"):
        if "Datastream" in payload or "MultiDatastream" in payload:
            raise BadMessage("invalid", "The topic names the Datastream; do not link another.")
        kind = "MultiDatastream" if topic.parent == "MultiDatastream" else "Datastream"
        assert topic.parent_id is not None
        ident = topic.parent_id
    else:
        try:
            kind, ident = rows.linked_stream(payload)
        except BadRequest as exc:
            raise BadMessage("invalid", exc.message) from None
        except NotSimple:
            raise BadMessage("invalid", 'Link the Datastream as {"@iot.id": <id>}.') from None
    target = cache.stream(kind, ident)
    if target is None:
        raise BadMessage("unknown_datastream", f"There is no {kind} {ident}.")
    if municipality_id is not None and target.municipality_id != municipality_id:
        # The same words as for a missing one: other municipalities' ids are not confirmed.
        raise BadMessage("wrong_municipality", f"There is no {kind} {ident}.")
    if topic.parent == "FeatureOfInterest":
        assert topic.parent_id is not None
        if cache.feature_municipality(topic.parent_id) != target.municipality_id:
            raise BadMessage("invalid", f"There is no FeatureOfInterest {topic.parent_id}.", target)
    return target
