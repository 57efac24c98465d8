"""The benches on the map, coloured by air quality; their Things and the Datastreams whose
readings change them (the cockpit's live view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.benches import services
from smartcity.benches.models import Bench
from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import current_language, gettext_
from smartcity.sensorthings.map import thing_points
from smartcity.sensorthings.models import Datastream


def bench_features(db: Session) -> list[Feature]:
    language = current_language.get()
    statuses = services.statuses(db, services.all_benches(db))
    where = thing_points(db, [s.bench.thing_id for s in statuses])
    features = []
    for status in statuses:
        place = where.get(status.bench.thing_id)
        if place is None:
            continue
        level = status.eaqi.level if status.eaqi is not None else None
        temperature = status.values.get("temperature")
        parts = []
        if isinstance(temperature, float | int):
            parts.append(f"{temperature:.1f} °C".replace(".", "," if language == "de" else "."))
        if level is not None:
            parts.append(gettext_("air: %(level)s") % {"level": getattr(level, language)})
        features.append(
            point(
                *place,
                {
                    "kind": "bench",
                    "id": status.bench.id,
                    "title": status.bench.name,
                    "state": level.key if level is not None else "unknown",
                    "colour": level.colour if level is not None else "#c8c8c8",
                    "text": " · ".join(parts) or gettext_("no current data"),
                    "link": f"benches/{status.bench.id}/display",
                },
            )
        )
    return features


def bench_things(db: Session) -> set[int]:
    return set(db.scalars(select(Bench.thing_id)))


def bench_datastreams(db: Session) -> set[int]:
    return set(
        db.scalars(select(Datastream.id).where(Datastream.thing_id.in_(select(Bench.thing_id))))
    )
