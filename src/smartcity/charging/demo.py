"""Demo data: ten charging points of the Stadtwerke in Dresden's centre, next to the demo
benches and tram stops (the places are real, the charging points made up), with the last
hours of status reports written through the bulk ingestion path. `next_status` is how a
charger's status changes, here and in the simulator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from smartcity.charging import services
from smartcity.charging.schemas import ConnectorIn, EvseIn, LocationIn, OperatorIn, TariffIn
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

AC = ConnectorIn(
    standard="IEC_62196_T2",
    format="SOCKET",
    power_type="AC_3_PHASE",
    max_voltage=230,
    max_amperage=32,
    max_electric_power=22_000,
)
DC = ConnectorIn(
    standard="IEC_62196_T2_COMBO",
    format="CABLE",
    power_type="DC",
    max_voltage=920,
    max_amperage=400,
    max_electric_power=150_000,
)
# id, name, address, postcode, lat, lon, parking type, facilities, fast (DC)
LOCATIONS = (
    (
        "DD-ALTMARKT",
        "Altmarkt",
        "Altmarkt 10",
        "01067",
        51.0502,
        13.7385,
        "ON_STREET",
        ["TRAM_STOP"],
        False,
    ),
    (
        "DD-NEUMARKT",
        "Neumarkt",
        "Neumarkt 2",
        "01067",
        51.0516,
        13.7421,
        "ON_STREET",
        ["MUSEUM"],
        False,
    ),
    (
        "DD-POSTPLATZ",
        "Postplatz",
        "Postplatz 1",
        "01067",
        51.0511,
        13.7325,
        "ON_STREET",
        ["TRAM_STOP", "BUS_STOP"],
        False,
    ),
    (
        "DD-ALBERTPLATZ",
        "Albertplatz",
        "Albertplatz 3",
        "01097",
        51.0628,
        13.7466,
        "ON_STREET",
        ["TRAM_STOP"],
        False,
    ),
    (
        "DD-HBF",
        "Hauptbahnhof",
        "Wiener Platz 4",
        "01069",
        51.0410,
        13.7322,
        "PARKING_LOT",
        ["TRAIN_STATION"],
        True,
    ),
)
# How often (per step of ten minutes) a free charger is taken and a busy one left.
TAKEN, LEFT, BREAKS, REPAIRED = 0.15, 0.25, 0.005, 0.3


def next_status(current: str, noise: random.Random) -> str:
    """A charger's next status: taken and left by drivers, now and then out of order."""
    draw = noise.random()
    if current == "OUTOFORDER":
        return "AVAILABLE" if draw < REPAIRED else current
    if draw < BREAKS:
        return "OUTOFORDER"
    if current == "AVAILABLE":
        return "CHARGING" if draw < TAKEN else current
    if current == "CHARGING":
        return "AVAILABLE" if draw < LEFT else current
    return "AVAILABLE"


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    reports = 0
    with context.tenant_session(dresden) as db:
        operator = services.create_operator(
            db,
            OperatorIn(
                name="Stadtwerke Dresden (Demo)",
                country_code="DE",
                party_id="SWD",
                website="https://www.dresden.de",
            ),
            actor="demo",
        )
        ac = services.create_tariff(
            db,
            TariffIn(operator_id=operator.id, ocpi_id="AC-ADHOC", energy_price=Decimal("0.4622")),
            actor="demo",
        )
        dc = services.create_tariff(
            db,
            TariffIn(operator_id=operator.id, ocpi_id="DC-ADHOC", energy_price=Decimal("0.5462")),
            actor="demo",
        )
        evses = []
        number = 0
        for ident, name, address, postcode, lat, lon, parking, facilities, fast in LOCATIONS:
            location = services.create_location(
                db,
                LocationIn(
                    operator_id=operator.id,
                    ocpi_id=ident,
                    name=name,
                    address=address,
                    city="Dresden",
                    postal_code=postcode,
                    lat=lat,
                    lon=lon,
                    parking_type=parking,
                    facilities=facilities,
                    green_energy=ident != "DD-HBF",
                    supplier_name="Stadtwerke Dresden",
                    energy_product_name="Ökostrom Dresden" if ident != "DD-HBF" else "",
                ),
                actor="demo",
            )
            for side in (1, 2):
                number += 1
                evses.append(
                    services.add_evse(
                        db,
                        location,
                        EvseIn(
                            uid=f"{ident}-{side}",
                            evse_id=f"DE*SWD*E{number:04d}",
                            physical_reference=f"{number:02d}",
                            capabilities=[
                                "CONTACTLESS_CARD_SUPPORT",
                                "CREDIT_CARD_PAYABLE",
                                "RFID_READER",
                            ],
                            tariff_id=(dc if fast else ac).id,
                            connectors=[DC if fast else AC],
                        ),
                        actor="demo",
                    )
                )
        cache = TargetCache(context.platform.sessions, 0)
        store = ObservationStore(context.platform.engine)
        payload = [
            {
                "Datastream": {"@iot.id": evse.datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": history(now, random.Random(evse.uid)),  # noqa: S311
            }
            for evse in evses
        ]
        _, good = bulk.prepare(payload, cache, dresden.id, db)
        store.write_on(db.connection(), [observation for _, observation in good])
        reports = len(good)
    context.say(f"Dresden: {number} charging points at {len(LOCATIONS)} places ({reports} reports)")


def history(now: datetime, noise: random.Random) -> list[list[Any]]:
    """Status reports of the last six hours: one whenever the status changed."""
    status = "AVAILABLE"
    start = now - timedelta(hours=6)
    rows: list[list[Any]] = [[start.isoformat().replace("+00:00", "Z"), status]]
    for step in range(1, 36):
        following = next_status(status, noise)
        if following != status:
            status = following
            at = start + timedelta(minutes=10 * step)
            rows.append([at.isoformat().replace("+00:00", "Z"), status])
    return rows
