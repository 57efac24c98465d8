"""The ParkenDD / ParkAPI JSON interface, so that existing parking apps read our car parks.

Shapes follow ParkAPI's `schema/city_schema.json` (github.com/offenesdresden/ParkAPI): times
are UTC without an offset, as ParkAPI writes them; a lot's id is the city and name in lower-case
ASCII (`services.external_id`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from smartcity.core.db import utcnow
from smartcity.parking.occupancy import Occupancy

API_VERSION = "1.0"
SERVER_VERSION = "1.0.0"
REFERENCE = "https://github.com/offenesdresden/ParkAPI"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def city(occupancies: list[Occupancy], forecastable: set[int], data_source: str) -> dict[str, Any]:
    updated = [o.measured_at for o in occupancies if o.measured_at is not None]
    now = utcnow()
    return {
        "last_updated": timestamp(max(updated, default=now)),
        "last_downloaded": timestamp(now),
        "data_source": data_source,
        "lots": [_lot(o, o.car_park.id in forecastable) for o in occupancies],
    }


def _lot(occupancy: Occupancy, forecast: bool) -> dict[str, Any]:
    car_park = occupancy.car_park
    lot: dict[str, Any] = {
        "id": car_park.external_id,
        "name": car_park.name,
        "address": car_park.address or None,
        "coords": {"lat": car_park.lat, "lng": car_park.lon},
        "lot_type": car_park.lot_type,
        "total": occupancy.total or 0,
        # ParkAPI always sends both numbers and ParkenDD apps decode them as required integers:
        # without current data "free" is 0 and the state ("nodata") says it is unknown.
        "free": occupancy.free if occupancy.free is not None else 0,
        "state": occupancy.state,
        "forecast": forecast,
    }
    return lot
