"""`POST CreateObservations` (OGC 18-088, 14.3.2): groups of dataArray rows per
(Multi)Datastream. Each row is checked on its own: a bad row answers "error" in its place and
does not stop the others."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.db import MAX_ROW_ID
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.ingest.rows import NewObservation
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import StreamKind, StreamTarget, TargetCache, Targets

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


def prepare(
    payload: Any,
    cache: Targets,
    municipality_id: int | None,
    db: Session | None = None,
    *,
    max_rows: int = MAX_ROWS,
) -> tuple[list[str], list[tuple[int, NewObservation]]]:
    """The answer list (filled with "error" for bad rows) and the good rows with the index of
    their answer. `municipality_id`: the writer's; None where the broker authorised the
    message (then the first group's municipality, and every group must share it). `db`: look
    up in this (tenant-scoped) session instead of a transaction of our own."""
    if not isinstance(payload, list):
        raise BadRequest("CreateObservations expects a JSON array of Datastream groups.")
    answers: list[str] = []
    good: list[tuple[int, NewObservation]] = []
    total = 0
    for group in payload:
        target, components, values = _group(group, cache, municipality_id, db, max_rows)
        municipality_id = target.municipality_id
        total += len(values)
        if total > max_rows:
            raise BadRequest(f"At most {max_rows} rows per request.")
        feature_ids = _valid_feature_ids(components, values, cache, municipality_id, db)
        for value_row in values:
            try:
                observation = rows.from_components(components, value_row, target, feature_ids)
            except BadRequest:
                answers.append("error")
                continue
            good.append((len(answers), observation))
            answers.append("")
    return answers, good


def _group(
    group: Any, cache: Targets, municipality_id: int | None, db: Session | None, max_rows: int
) -> tuple[StreamTarget, list[str], list[Any]]:
    if not isinstance(group, dict):
        raise BadRequest("Each CreateObservations entry must be a JSON object.")
    kind: StreamKind = "MultiDatastream" if "MultiDatastream" in group else "Datastream"
    reference = group.get(kind)
    ident = reference.get("@iot.id") if isinstance(reference, dict) else None
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident <= MAX_ROW_ID:
        raise BadRequest('Each group needs "Datastream": {"@iot.id": <id>} (or "MultiDatastream").')
    target = cache.stream(kind, ident, db)
    if target is None or municipality_id not in (None, target.municipality_id):
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
    if len(values) > max_rows:
        raise BadRequest(f"At most {max_rows} rows per request.")
    return target, components, values


def _valid_feature_ids(
    components: list[str],
    values: list[Any],
    cache: Targets,
    municipality_id: int,
    db: Session | None,
) -> set[int]:
    if "FeatureOfInterest/id" not in components:
        return set()
    index = components.index("FeatureOfInterest/id")
    wanted = {
        row[index]
        for row in values
        if isinstance(row, list)
        and len(row) > index
        and isinstance(row[index], int)
        and not isinstance(row[index], bool)
        and 0 <= row[index] <= MAX_ROW_ID
    }
    # Another municipality's features are simply not found.
    return {ident for ident in wanted if cache.feature_municipality(ident, db) == municipality_id}


def create_in_transaction(
    db: Session,
    cache: TargetCache,
    store: ObservationStore,
    links: Any,
    municipality_id: int,
    payload: Any,
) -> list[str]:
    """CreateObservations within a request's transaction (for logins other than an API key;
    devices take the pipeline in `http_fast_path`)."""
    answers, good = prepare(payload, cache, municipality_id, db)
    ids = store.write_on(db.connection(), [observation for _, observation in good])
    for (index, _), new_id in zip(good, ids, strict=True):
        answers[index] = links.entity(ENTITY_TYPES["Observation"], new_id)
    return answers
