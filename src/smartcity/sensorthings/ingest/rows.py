"""Observations as rows ready for a bulk write, validated with the same rules and messages as
the general write path (`writing.Writer`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from smartcity.core.db import MAX_ROW_ID, utcnow
from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.ingest.targets import StreamKind, StreamTarget, Targets
from smartcity.sensorthings.results import check_multi_result, check_result
from smartcity.sensorthings.values import parse_instant, parse_interval, typed_result

# An Observation given as an entity may set these; everything else goes the general way.
SIMPLE_FIELDS = frozenset(
    {"phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters"}
)
LINKS = frozenset({"Datastream", "MultiDatastream", "FeatureOfInterest"})
NO_FEATURE = (
    "The Observation has no FeatureOfInterest and its Thing has no Location to derive one from."
)


class NotSimple(Exception):
    """The Observation needs the general write path (e.g. a FeatureOfInterest created inline)."""


@dataclass
class NewObservation:
    target: StreamTarget
    row: dict[str, Any]  # column values; `id` is assigned when written


def link_id(value: Any, entity: str) -> int:
    """The @iot.id of a link; FROST's client sends more properties, which are ignored."""
    if not isinstance(value, dict) or "@iot.id" not in value:
        raise NotSimple
    ident = value["@iot.id"]
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident <= MAX_ROW_ID:
        raise BadRequest(f"@iot.id of a {entity} must be an integer id.")
    return ident


def linked_stream(payload: dict[str, Any]) -> tuple[StreamKind, int]:
    """The (Multi)Datastream an Observation entity links to by `@iot.id`."""
    kinds: list[StreamKind] = [k for k in ("Datastream", "MultiDatastream") if k in payload]
    if len(kinds) != 1:
        raise BadRequest("An Observation belongs to one Datastream or one MultiDatastream.")
    return kinds[0], link_id(payload[kinds[0]], kinds[0])


def from_entity(payload: Any, target: StreamTarget, cache: Targets) -> NewObservation:
    """An Observation entity (JSON object) for `target` as a row."""
    if not isinstance(payload, dict):
        raise BadRequest("An Observation must be a JSON object.")
    for key, value in payload.items():
        if key.startswith("@") or "@iot." in key or key in SIMPLE_FIELDS:
            continue
        if key in LINKS:
            if key == "FeatureOfInterest":
                link_id(value, key)  # an inline FeatureOfInterest is not simple
            continue
        raise NotSimple  # unknown keys: the general path names them in its error
    row = _properties(payload, target)
    feature = payload.get("FeatureOfInterest")
    row["feature_of_interest_id"] = (
        _linked_feature(link_id(feature, "FeatureOfInterest"), target, cache)
        if feature is not None
        else _default_feature(target)
    )
    return _finish(row, target)


def from_components(
    components: list[str], values: Any, target: StreamTarget, feature_ids: set[int]
) -> NewObservation:
    """One row of a CreateObservations dataArray."""
    if not isinstance(values, list) or len(values) != len(components):
        raise BadRequest("The row does not match the components.")
    given = dict(zip(components, values, strict=True))
    row = _properties(given, target)
    if "FeatureOfInterest/id" in given:
        if given["FeatureOfInterest/id"] not in feature_ids:
            raise BadRequest("There is no such FeatureOfInterest here.")
        row["feature_of_interest_id"] = given["FeatureOfInterest/id"]
    else:
        row["feature_of_interest_id"] = _default_feature(target)
    return _finish(row, target)


def _properties(given: Mapping[str, Any], target: StreamTarget) -> dict[str, Any]:
    """The columns for an Observation's own properties (18-088, table 24), whether they came
    as an entity or as a dataArray row."""
    row = _empty_row()
    if "phenomenonTime" in given:
        if given["phenomenonTime"] is None:
            raise BadRequest("'Observation.phenomenonTime' must not be null.")
        row["phenomenon_time_start"], row["phenomenon_time_end"] = parse_interval(
            given["phenomenonTime"], "Observation.phenomenonTime"
        )
    else:
        row["phenomenon_time_start"] = utcnow()  # 18-088: the server's time when not given
    if given.get("result") is None:
        raise BadRequest("An Observation needs a 'result' that is not null.")
    _set_result(row, target, given["result"])
    if given.get("resultTime") is not None:
        row["result_time"] = parse_instant(given["resultTime"], "Observation.resultTime")
    if given.get("validTime") is not None:
        row["valid_time_start"], row["valid_time_end"] = parse_interval(
            given["validTime"], "Observation.validTime"
        )
    row["result_quality"] = given.get("resultQuality")
    parameters = given.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise BadRequest("'Observation.parameters' must be a JSON object.")
    row["parameters"] = parameters
    return row


def _empty_row() -> dict[str, Any]:
    return {
        "phenomenon_time_end": None,
        "result_time": None,
        "valid_time_start": None,
        "valid_time_end": None,
    }


def _set_result(row: dict[str, Any], target: StreamTarget, result: Any) -> None:
    if target.is_multi:
        check_multi_result(list(target.component_types), result)
    else:
        check_result(target.observation_type, result)
    row.update(typed_result(result))


def _linked_feature(ident: int, target: StreamTarget, cache: Targets) -> int:
    if cache.feature_municipality(ident) != target.municipality_id:
        raise BadRequest(f"There is no FeatureOfInterest with @iot.id {ident} to link to.")
    return ident


def _default_feature(target: StreamTarget) -> int:
    if target.feature_id is None:
        raise BadRequest(NO_FEATURE)
    return target.feature_id


def _finish(row: dict[str, Any], target: StreamTarget) -> NewObservation:
    row["datastream_id"] = None if target.is_multi else target.id
    row["multi_datastream_id"] = target.id if target.is_multi else None
    row["municipality_id"] = target.municipality_id
    return NewObservation(target, row)
