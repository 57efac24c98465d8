"""The car parks on the map, with their free spaces; the counters and sensed spaces whose
readings change them (the cockpit's live view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import gettext_
from smartcity.parking import occupancy
from smartcity.parking.models import CarPark, ParkingSpace


def car_park_features(db: Session) -> list[Feature]:
    features = []
    for found in occupancy.of_car_parks(db, occupancy.all_car_parks(db)):
        park = found.car_park
        if found.state == "open" and found.free is not None:
            text = gettext_("%(free)s of %(total)s free") % {
                "free": found.free,
                "total": found.total if found.total is not None else "?",
            }
        elif found.state == "closed":
            text = gettext_("closed")
        else:
            text = gettext_("no current data")
        features.append(
            point(
                park.lat,
                park.lon,
                {
                    "kind": "parking",
                    "id": park.id,
                    "title": park.name,
                    "state": found.state,
                    "free": found.free,
                    "total": found.total,
                    "text": text,
                },
            )
        )
    return features


def occupancy_datastreams(db: Session) -> set[int]:
    """The car parks' counters and the sensed spaces' Datastreams."""
    counters = db.scalars(select(CarPark.datastream_id).where(CarPark.datastream_id.is_not(None)))
    found = {counter for counter in counters if counter is not None}
    found.update(db.scalars(select(ParkingSpace.datastream_id)))
    return found
