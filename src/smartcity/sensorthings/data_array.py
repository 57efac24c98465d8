"""The data array extension (OGC 18-088, 14.3), reading side: `$resultFormat=dataArray`.
Creating through `POST CreateObservations` is part of the ingestion path (`ingest.bulk`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.reading import Reader

OBSERVATION = ENTITY_TYPES["Observation"]
DEFAULT_COMPONENTS = ["id", "phenomenonTime", "resultTime", "result"]


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
