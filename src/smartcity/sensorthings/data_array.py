"""The data array extension (OGC 18-088, 14.3): compact reading with
`$resultFormat=dataArray` and bulk creation through `POST CreateObservations`.

CreateObservations is the bulk path: rows are validated one by one (a bad row answers
"error" in its place and does not stop the others) and the good ones are written with one
multi-row INSERT per request."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from smartcity.core.db import MAX_ID, utcnow
from smartcity.core.tenancy.scope import TenantScope, scope_of
from smartcity.sensorthings import models, rollups
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.reading import Links, Reader
from smartcity.sensorthings.values import parse_instant, parse_interval, typed_result
from smartcity.sensorthings.writing import Writer

OBSERVATION = ENTITY_TYPES["Observation"]
DEFAULT_COMPONENTS = ["id", "phenomenonTime", "resultTime", "result"]
WRITABLE_COMPONENTS = frozenset(
    {
        "phenomenonTime",
        "resultTime",
        "result",
        "resultQuality",
        "validTime",
        "parameters",
        "FeatureOfInterest/id",
    }
)
MAX_ROWS = 100_000


def as_data_array(reader: Reader, rows: list[Any], select_: list[str] | None) -> dict[str, Any]:
    """Observations grouped by Datastream, each group as components plus value rows."""
    components = select_ or DEFAULT_COMPONENTS
    unknown = [c for c in components if c != "id" and OBSERVATION.field(c) is None]
    if unknown:
        raise BadRequest(f"dataArray: Observations have no property {unknown[0]!r}.")
    groups: dict[tuple[str, int], list[list[Any]]] = defaultdict(list)
    for row in rows:
        key = (
            ("Datastream", row.datastream_id)
            if row.datastream_id is not None
            else ("MultiDatastream", row.multi_datastream_id)
        )
        groups[key].append([reader.field_value(row, OBSERVATION, name) for name in components])
    return {
        "value": [
            {
                f"{kind}@iot.navigationLink": reader.links.entity(ENTITY_TYPES[kind], ident),
                "components": components,
                "dataArray@iot.count": len(values),
                "dataArray": values,
            }
            for (kind, ident), values in groups.items()
        ]
    }


def create_observations(db: Session, links: Links, payload: Any) -> list[str]:
    if not isinstance(payload, list):
        raise BadRequest("CreateObservations expects a JSON array of Datastream groups.")
    scope = scope_of(db)
    assert isinstance(scope, TenantScope)
    answers: list[str] = []
    pending: list[tuple[int, dict[str, Any]]] = []  # (answer index, row values)
    for group in payload:
        datastream, components, values = _group(db, group)
        feature_ids = _valid_feature_ids(db, components, values)
        default_feature: models.FeatureOfInterest | None = None
        multi = isinstance(datastream, models.MultiDatastream)
        width = (
            len(datastream.observed_properties)
            if isinstance(datastream, models.MultiDatastream)
            else 0
        )
        for value_row in values:
            try:
                row = _row(components, value_row, feature_ids)
                if multi and not (
                    isinstance(row["result_json"], list) and len(row["result_json"]) == width
                ):
                    raise BadRequest("result does not match the MultiDatastream")
            except BadRequest:
                answers.append("error")
                continue
            if row.get("feature_of_interest_id") is None:
                if default_feature is None:
                    default_feature = Writer(db).feature_from_location(datastream)
                    db.flush()
                row["feature_of_interest_id"] = default_feature.id
            row["datastream_id"] = None if multi else datastream.id
            row["multi_datastream_id"] = datastream.id if multi else None
            # A bulk INSERT bypasses the ORM's tenant stamping; the scope is applied here.
            row["municipality_id"] = scope.municipality_id
            pending.append((len(answers), row))
            answers.append("")
    if pending:
        statement = insert(models.Observation).returning(
            models.Observation.id, sort_by_parameter_order=True
        )
        new_ids = list(db.scalars(statement, [row for _, row in pending]))
        for (index, _), new_id in zip(pending, new_ids, strict=True):
            answers[index] = links.entity(OBSERVATION, new_id)
        rollups.add_observations(
            db,
            (
                (row["datastream_id"], row["phenomenon_time_start"], row["result_number"])
                for _, row in pending
            ),
        )
    return answers


def _group(
    db: Session, group: Any
) -> tuple[models.Datastream | models.MultiDatastream, list[str], list[Any]]:
    if not isinstance(group, dict):
        raise BadRequest("Each CreateObservations entry must be a JSON object.")
    kind = "MultiDatastream" if "MultiDatastream" in group else "Datastream"
    reference = group.get(kind)
    ident = reference.get("@iot.id") if isinstance(reference, dict) else None
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident <= MAX_ID:
        raise BadRequest('Each group needs "Datastream": {"@iot.id": <id>} (or "MultiDatastream").')
    datastream: models.Datastream | models.MultiDatastream | None = (
        db.get(models.MultiDatastream, ident)
        if kind == "MultiDatastream"
        else db.get(models.Datastream, ident)
    )
    if datastream is None:
        raise BadRequest(f"There is no {kind} {ident} here.")
    components = group.get("components")
    if not isinstance(components, list) or not components:
        raise BadRequest('Each group needs a non-empty "components" list.')
    unknown = [c for c in components if c not in WRITABLE_COMPONENTS]
    if unknown:
        raise BadRequest(
            f"Unknown component {unknown[0]!r}; allowed: {', '.join(sorted(WRITABLE_COMPONENTS))}."
        )
    if "result" not in components:
        raise BadRequest('The components must include "result".')
    values = group.get("dataArray")
    if not isinstance(values, list):
        raise BadRequest('Each group needs a "dataArray" list.')
    if len(values) > MAX_ROWS:
        raise BadRequest(f"At most {MAX_ROWS} rows per request.")
    return datastream, components, values


def _valid_feature_ids(db: Session, components: list[str], values: list[Any]) -> set[int]:
    if "FeatureOfInterest/id" not in components:
        return set()
    index = components.index("FeatureOfInterest/id")
    wanted = {
        row[index]
        for row in values
        if isinstance(row, list) and len(row) > index and isinstance(row[index], int)
    }
    if not wanted:
        return set()
    # Tenant-scoped: another municipality's features are simply not found.
    return set(
        db.scalars(
            select(models.FeatureOfInterest.id).where(models.FeatureOfInterest.id.in_(wanted))
        )
    )


def _row(components: list[str], values: Any, feature_ids: set[int]) -> dict[str, Any]:
    if not isinstance(values, list) or len(values) != len(components):
        raise BadRequest("row does not match the components")
    row: dict[str, Any] = {
        "phenomenon_time_end": None,
        "result_time": None,
        "result_quality": None,
        "valid_time_start": None,
        "valid_time_end": None,
        "parameters": None,
        "feature_of_interest_id": None,
    }
    given = dict(zip(components, values, strict=True))
    if "phenomenonTime" in given:
        row["phenomenon_time_start"], row["phenomenon_time_end"] = parse_interval(
            given["phenomenonTime"], "phenomenonTime"
        )
    else:
        row["phenomenon_time_start"] = utcnow()
    if given.get("result") is None:
        raise BadRequest("result is mandatory")
    row.update(typed_result(given["result"]))
    if given.get("resultTime") is not None:
        row["result_time"] = parse_instant(given["resultTime"], "resultTime")
    if given.get("validTime") is not None:
        row["valid_time_start"], row["valid_time_end"] = parse_interval(
            given["validTime"], "validTime"
        )
    if "resultQuality" in given:
        row["result_quality"] = given["resultQuality"]
    if "parameters" in given:
        if given["parameters"] is not None and not isinstance(given["parameters"], dict):
            raise BadRequest("parameters must be an object")
        row["parameters"] = given["parameters"]
    if "FeatureOfInterest/id" in given:
        if given["FeatureOfInterest/id"] not in feature_ids:
            raise BadRequest("unknown FeatureOfInterest")
        row["feature_of_interest_id"] = given["FeatureOfInterest/id"]
    return row
