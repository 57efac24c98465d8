"""Demo data: Prager Straße in Dresden, eight LED luminaires in one group (astronomical clock,
half power from 22:00 to 05:00, light on demand), with the readings of the last 36 hours."""

from __future__ import annotations

from datetime import timedelta

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.lighting import control
from smartcity.lighting.program import Program
from smartcity.lighting.services import add_luminaire, create_group, place_of
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

PROGRAM = {
    "dusk_offset_minutes": 0,
    "dawn_offset_minutes": 0,
    "level": 100,
    "steps": [{"at": "22:00", "level": 50}, {"at": "05:00", "level": 100}],
    "min_level": 20,
    "on_demand": {"level": 100, "radius_m": 80, "next": 2, "hold_seconds": 120},
}
RATED_W = 60.0


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    with context.tenant_session(dresden) as db:
        group = create_group(db, "Prager Straße", PROGRAM, actor="demo")
        for number in range(8):
            add_luminaire(
                db,
                group,
                name=f"Prager Straße {2 * number + 1}",
                lat=51.0478 - number * 0.0004,
                lon=13.7364 + number * 0.00005,
                rated_power_w=RATED_W,
                single_lamp=True,
                actor="demo",
            )
        db.refresh(group)
        place, program = place_of(dresden, group), Program.parse(group.program)
        cache = TargetCache(context.platform.sessions, 0)
        store = ObservationStore(context.platform.engine)
        rows = 0
        for luminaire in group.luminaires:
            power, meter = [], []
            kwh = 1000.0 + luminaire.id
            moment = now - timedelta(hours=36)
            while moment <= now:
                level = control.targets(
                    [control.Lamp(luminaire.id, luminaire.lat, luminaire.lon, True)],
                    place,
                    program,
                    moment,
                )[luminaire.id]
                watts = round(RATED_W * level / 100, 1)
                kwh += watts * 0.25 / 1000
                stamp = moment.isoformat()
                power.append([stamp, watts])
                meter.append([stamp, round(kwh, 4)])
                moment += timedelta(minutes=15)
            payload = [
                {
                    "Datastream": {"@iot.id": ds},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": values,
                }
                for ds, values in (
                    (luminaire.power_datastream_id, power),
                    (luminaire.energy_datastream_id, meter),
                )
            ]
            _, good = bulk.prepare(payload, cache, dresden.id, db)
            store.write_on(db.connection(), [observation for _, observation in good])
            rows += len(good)
    context.say(f"Dresden: lighting group Prager Straße with 8 luminaires ({rows} readings)")
