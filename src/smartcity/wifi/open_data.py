"""The hotspots as open data: where they are, whether they are online, how many devices are
connected (a count), and when each was last seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.wifi import services

COLUMNS = ("hotspot_id", "name", "lat", "lon", "online", "clients", "last_seen_utc")


def hotspots(db: Session, municipality: Municipality, now: datetime) -> Table:
    rows: list[tuple[object, ...]] = [
        (
            s.hotspot.id,
            s.hotspot.name,
            round(s.hotspot.lat, 6),
            round(s.hotspot.lon, 6),
            s.online,
            (s.clients or 0) if s.online else 0 if s.online is False else None,
            s.last_seen,
        )
        for s in services.states(db)
    ]
    return Table(columns=tuple(TableColumn(c) for c in COLUMNS), rows=rows)


DATASETS = (
    DatasetDeclaration(
        key="wlan-hotspots",
        title="Öffentliche WLAN-Hotspots",
        title_en="Public WiFi hotspots",
        description=(
            "Die öffentlichen WLAN-Hotspots der Stadt: Standort, ob der Hotspot gerade "
            "erreichbar ist, wie viele Geräte verbunden sind (nur die Anzahl) und wann er "
            "zuletzt gesehen wurde."
        ),
        description_en=(
            "The city's public WiFi hotspots: location, whether the hotspot is reachable now, "
            "how many devices are connected (only the number) and when it was last seen."
        ),
        themes=("TECH", "GOVE"),
        frequency="UPDATE_CONT",
        keywords=("WLAN", "Hotspot", "Freifunk"),
        table=hotspots,
        api=DataApi(
            title="WLAN-Hotspots (JSON)",
            description="Hotspots mit Status und Anzahl verbundener Geräte.",
            path="api/v1/wifi/hotspots",
        ),
    ),
)
