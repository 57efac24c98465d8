"""The hotspots on the portal's and cockpit's maps, coloured by whether they are online; their
Things and Datastreams (the cockpit's live view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import gettext_
from smartcity.wifi import services
from smartcity.wifi.models import Hotspot
from smartcity.wifi.words import COLOURS, STATE_WORDS, state_key


def wifi_features(db: Session) -> list[Feature]:
    features = []
    for state in services.states(db):
        hotspot = state.hotspot
        kind = state_key(state.online)
        text = gettext_(STATE_WORDS[kind])
        if state.online:
            text = gettext_("online · %(clients)s devices connected") % {
                "clients": state.clients or 0
            }
        features.append(
            point(
                hotspot.lat,
                hotspot.lon,
                {
                    "kind": "wifi",
                    "id": hotspot.id,
                    "title": hotspot.name,
                    "state": kind,
                    "colour": COLOURS[kind],
                    "text": text,
                    "link": f"wlan?lat={hotspot.lat:.5f}&lon={hotspot.lon:.5f}",
                },
            )
        )
    return features


def wifi_things(db: Session) -> set[int]:
    return {t for t in db.scalars(select(Hotspot.thing_id)) if t is not None}


def wifi_datastreams(db: Session) -> set[int]:
    found: set[int] = set()
    for row in db.execute(select(Hotspot.online_datastream_id, Hotspot.clients_datastream_id)):
        found.update(ds for ds in row if ds is not None)
    return found
