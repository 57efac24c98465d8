"""The charging locations on the portal's and cockpit's maps, coloured by whether a charger
is free; their Things and status Datastreams (the cockpit's live view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.charging import services
from smartcity.charging.models import Evse
from smartcity.charging.words import COLOURS
from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import current_language, gettext_


def charging_features(db: Session) -> list[Feature]:
    features = []
    for state in services.states(db):
        usable = state.in_service
        if not usable:
            continue
        free = state.available
        kind = "free" if free else "busy" if any(e.status == "CHARGING" for e in usable) else "out"
        power = max(e.max_power_kw for e in usable)
        text = gettext_("%(free)s of %(total)s free · up to %(kw)s kW") % {
            "free": free,
            "total": len(usable),
            "kw": f"{power:g}".replace(".", "," if current_language.get() == "de" else "."),
        }
        location = state.location
        features.append(
            point(
                location.lat,
                location.lon,
                {
                    "kind": "charging",
                    "id": location.id,
                    "title": location.name,
                    "state": kind,
                    "colour": COLOURS[kind],
                    "text": text,
                    "link": f"laden?lat={location.lat:.5f}&lon={location.lon:.5f}",
                },
            )
        )
    return features


def charging_things(db: Session) -> set[int]:
    return {t for t in db.scalars(select(Evse.thing_id)) if t is not None}


def charging_datastreams(db: Session) -> set[int]:
    return {d for d in db.scalars(select(Evse.datastream_id)) if d is not None}
