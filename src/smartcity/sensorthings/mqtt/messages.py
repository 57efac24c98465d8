"""An MQTT message that creates Observations, checked as the HTTP path checks them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from prometheus_client import Counter

from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.ingest import bulk, rows
from smartcity.sensorthings.ingest.rows import NewObservation, NotSimple
from smartcity.sensorthings.ingest.targets import StreamKind, StreamTarget, Targets
from smartcity.sensorthings.mqtt.topics import CreateTopic


class BadMessage(Exception):
    """A message that can never be stored; `reason` labels the metric."""

    def __init__(self, reason: str, message: str, target: StreamTarget | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.target = target


# Said on a message's error topic (`MqttNotifier.report`): the topic it came on, why it was
# refused, and the publisher's municipality where known.
Report = Callable[[str, BadMessage, str | None], None]

MESSAGES = Counter(
    "smartcity_mqtt_messages_total",
    "MQTT messages that create Observations, by outcome",
    ["outcome"],
)

# A bulk message holds at most this many rows: memory per message in flight stays bounded
# (a gateway sends more messages instead).
MAX_BULK_ROWS = 10_000


@dataclass
class Received:
    """What a message brings: the Observations to store, and for a bulk message whose rows
    were not all valid, what to report about the others."""

    observations: list[NewObservation]
    refused: BadMessage | None = None


def is_notification(data: bytes) -> bool:
    """Our own notifications travel on the same topics as devices' new Observations (as
    18-088 defines them); they are the ones that already have a selfLink."""
    return b'"@iot.selfLink"' in data


def parse_message(
    topic: CreateTopic, data: bytes, cache: Targets, municipality_id: int | None
) -> Received:
    """One message's Observations (see `observation_from_message` for `municipality_id`);
    BadMessage when nothing in it can be stored."""
    if not topic.bulk:
        return Received([observation_from_message(topic, data, cache, municipality_id)])
    try:
        payload: Any = orjson.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadMessage("not_json", "The message is not JSON.") from None
    try:
        answers, good = bulk.prepare(payload, cache, municipality_id, max_rows=MAX_BULK_ROWS)
    except BadRequest as exc:
        reason = "unknown_datastream" if exc.message.startswith("There is no") else "invalid"
        raise BadMessage(reason, exc.message) from None
    observations = [observation for _, observation in good]
    target = observations[0].target if observations else None
    refused = [str(n + 1) for n, answer in enumerate(answers) if answer == "error"]
    if not refused:
        return Received(observations)
    shown = ", ".join(refused[:20]) + (" …" if len(refused) > 20 else "")
    problem = BadMessage(
        "invalid",
        f"{len(refused)} of {len(answers)} rows are not valid Observations and were not "
        f"stored (rows {shown}, counted from 1 across the groups); the others were.",
        target,
    )
    if not observations:
        raise problem
    return Received(observations, problem)


def observation_from_message(
    topic: CreateTopic, data: bytes, cache: Targets, municipality_id: int | None
) -> NewObservation:
    """`municipality_id`: the publishing key's municipality when the broker knows it (the
    embedded broker); None when the broker authorised the publish (an external broker)."""
    try:
        payload: Any = orjson.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
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
    topic: CreateTopic, payload: dict[str, Any], cache: Targets, municipality_id: int | None
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
