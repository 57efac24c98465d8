"""The lamps on the map: on, dimmed, off or faulty; their Things and the Datastreams whose
readings change them (the cockpit's live view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import gettext_
from smartcity.lighting import services
from smartcity.lighting.models import Luminaire


def lamp_features(db: Session) -> list[Feature]:
    faults: dict[int, list[str]] = {}
    for fault in services.open_faults(db):
        faults.setdefault(fault.luminaire_id, []).append(fault.kind)
    features = []
    for group in services.all_groups(db):
        for lamp in group.luminaires:
            level = lamp.commanded_level
            state = "fault" if lamp.id in faults else ("on" if level else "off")
            text = (
                gettext_("fault: %(kinds)s") % {"kinds": ", ".join(faults[lamp.id])}
                if lamp.id in faults
                else gettext_("dimmed to %(level)s %%") % {"level": level}
                if level
                else gettext_("off")
            )
            features.append(
                point(
                    lamp.lat,
                    lamp.lon,
                    {
                        "kind": "lamp",
                        "id": lamp.id,
                        "title": f"{lamp.name} ({group.name})",
                        "state": state,
                        "text": text,
                        "datastream": lamp.power_datastream_id,
                    },
                )
            )
    return features


def lamp_things(db: Session) -> set[int]:
    return set(db.scalars(select(Luminaire.thing_id)))


def lamp_datastreams(db: Session) -> set[int]:
    """The power and dim level a lamp's marker shows."""
    found: set[int] = set()
    for power, dim in db.execute(
        select(Luminaire.power_datastream_id, Luminaire.dim_datastream_id)
    ):
        found.update((power, dim))
    return found
