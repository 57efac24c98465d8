"""Demo data: fifteen public WiFi hotspots in Dresden's centre (the places are real, the
hotspots made up), read as a node list would bring them; one has been offline for two hours,
so the outage job files its case in the IT department's inbox. How many devices a hotspot
has over the day is here too, for the seed and the simulator."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.wifi import services
from smartcity.wifi.nodelist import NodeList, NodeReport

# name, lat, lon
PLACES = (
    ("dd-stadt-altmarkt", 51.0503, 13.7380),
    ("dd-stadt-neumarkt", 51.0517, 13.7417),
    ("dd-stadt-postplatz", 51.0509, 13.7331),
    ("dd-stadt-albertplatz", 51.0630, 13.7469),
    ("dd-stadt-hauptbahnhof", 51.0408, 13.7320),
    ("dd-stadt-pragerstrasse", 51.0457, 13.7362),
    ("dd-stadt-zwinger", 51.0530, 13.7340),
    ("dd-stadt-theaterplatz", 51.0546, 13.7362),
    ("dd-stadt-bruehlsche-terrasse", 51.0532, 13.7441),
    ("dd-stadt-rathaus", 51.0475, 13.7403),
    ("dd-stadt-pirnaischer-platz", 51.0497, 13.7461),
    ("dd-stadt-goldener-reiter", 51.0566, 13.7426),
    ("dd-stadt-neustaedter-markt", 51.0578, 13.7415),
    ("dd-stadt-bahnhof-neustadt", 51.0657, 13.7409),
    ("dd-stadt-wiener-platz", 51.0420, 13.7330),
)
# The broken router: offline since the demo began, and the simulator leaves it so.
OFFLINE = "dd-stadt-goldener-reiter"
# Places where many people pass (devices at the busiest hour); the others have `QUIET`.
BUSY = {
    "dd-stadt-altmarkt": 40,
    "dd-stadt-hauptbahnhof": 45,
    "dd-stadt-pragerstrasse": 40,
    "dd-stadt-neumarkt": 35,
    "dd-stadt-postplatz": 30,
}
QUIET = 18
ZONE = ZoneInfo("Europe/Berlin")


def hotspot_clients(name: str, now: datetime, noise: random.Random) -> int:
    """Devices connected at a hotspot: few at night, most in the afternoon, more at busy
    places; a little noise from minute to minute."""
    local = now.astimezone(ZONE)
    hour = local.hour + local.minute / 60
    # Daylight activity from 06:00 to 24:00, highest mid-afternoon; a few devices at night.
    day = max(0.0, math.sin(math.pi * (hour - 6) / 18)) if hour >= 6 else 0.0
    expected = BUSY.get(name, QUIET) * (0.05 + 0.95 * day)
    return max(0, round(expected * noise.uniform(0.8, 1.2)))


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    now = utcnow().replace(microsecond=0)
    noise = random.Random(27)  # noqa: S311 - demo numbers, not secrets
    nodes = [
        NodeReport(
            node_id=f"{noise.getrandbits(48):012x}",
            name=name,
            lat=lat,
            lon=lon,
            online=name != OFFLINE,
            clients=hotspot_clients(name, now, noise) if name != OFFLINE else 0,
            last_seen=now if name != OFFLINE else now - timedelta(hours=2),
        )
        for name, lat, lon in PLACES
    ]
    with context.tenant_session(dresden) as db:
        services.set_source(db, url="", name_prefix="dd-stadt-", offline_minutes=30, actor="demo")
        applied = services.apply(
            db, dresden, NodeList("meshviewer.json", now, nodes), actor="demo", now=now
        )
    context.say(f"Dresden: {applied.new} WiFi hotspots ({len(PLACES) - 1} online)")
