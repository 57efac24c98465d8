"""The simulated devices of one municipality, found through its public APIs, and what each
sends at a moment."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from smartcity.benches.demo import bench_value
from smartcity.charging.demo import next_status
from smartcity.parking.demo import car_park_free
from smartcity.wifi.demo import OFFLINE, hotspot_clients

# A lamp fails now and then (on average once per `FAULT_EVERY` of operation) and is
# repaired after `REPAIR_AFTER`.
FAULT_EVERY = timedelta(hours=8)
REPAIR_AFTER = timedelta(minutes=20)
# Chance per tick of a passer-by at a lit lamp.
MOTION_CHANCE = 0.08
# A WiFi hotspot drops out now and then (on average once per `HOTSPOT_OUTAGE_EVERY` each)
# and is back after a few minutes, before the municipality's offline time (30 minutes in the
# demo) would open a case.
HOTSPOT_OUTAGE_EVERY = timedelta(hours=12)
HOTSPOT_OUTAGE = (timedelta(minutes=4), timedelta(minutes=15))


@dataclass
class Counter:
    lot: str
    total: int
    datastream: int

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[int, Any]]:
        return [(self.datastream, car_park_free(self.lot, self.total, now, noise))]


@dataclass
class Bench:
    datastreams: dict[str, int]
    traffic: float

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[int, Any]]:
        found: list[tuple[int, Any]] = []
        for key, datastream in self.datastreams.items():
            if key in ("charging", "wifi"):
                # The hotspot drops out for a while now and then.
                found.append((datastream, noise.random() > 0.02))
            elif key != "so2":
                found.append((datastream, bench_value(key, self.traffic, now, noise)))
        return found


@dataclass
class Charger:
    """A charging point as its operator's backend reports it: a status when it changes."""

    datastream: int
    status: str
    # How long one step of the status model is (the demo's ten minutes).
    step: timedelta = timedelta(minutes=10)
    last: datetime | None = None

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[int, Any]]:
        elapsed = (now - self.last) if self.last else self.step
        # Between steps a driver arrives or leaves only with the share of a step passed.
        if elapsed < self.step and noise.random() > elapsed / self.step:
            return []
        self.last = now
        following = next_status(self.status, noise)
        if following == self.status:
            return []
        self.status = following
        return [(self.datastream, following)]


@dataclass
class Hotspot:
    """A public WiFi hotspot reporting itself over the SensorThings API (docs/wifi.md,
    "Reports from the hotspots themselves"): online and the number of connected devices,
    once per `step`."""

    name: str
    online_datastream: int
    clients_datastream: int
    step: timedelta = timedelta(minutes=1)
    last: datetime | None = None
    down_until: datetime | None = None

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[int, Any]]:
        if self.name == OFFLINE:
            # The demo's broken router sends nothing: its outage case stays open.
            return []
        if self.last is not None and now - self.last < self.step:
            return []
        elapsed = (now - self.last) if self.last else timedelta(0)
        self.last = now
        if self.down_until is not None and now >= self.down_until:
            self.down_until = None
        if self.down_until is None and noise.random() < elapsed / HOTSPOT_OUTAGE_EVERY:
            low, high = HOTSPOT_OUTAGE
            self.down_until = now + low + (high - low) * noise.random()
        if self.down_until is not None:
            # What a controller reports for an access point it lost.
            return [(self.online_datastream, False), (self.clients_datastream, 0)]
        return [
            (self.online_datastream, True),
            (self.clients_datastream, hotspot_clients(self.name, now, noise)),
        ]


@dataclass
class Lamp:
    datastreams: dict[str, int]
    tasking_capability: int
    rated_w: float
    level: int = 0
    energy_kwh: float = 0.0
    hours: float = 0.0
    failed_until: datetime | None = None
    last: datetime | None = field(default=None)

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[int, Any]]:
        step = (now - self.last) if self.last else timedelta(0)
        self.last = now
        if self.failed_until is not None and now >= self.failed_until:
            self.failed_until = None
        lit = self.level > 0 and self.failed_until is None
        if lit and step and noise.random() < step / FAULT_EVERY:
            self.failed_until = now + REPAIR_AFTER
            lit = False
        watts = (
            round(self.rated_w * self.level / 100 * noise.uniform(0.98, 1.02), 1) if lit else 0.0
        )
        self.energy_kwh += watts * step.total_seconds() / 3_600_000
        if lit:
            self.hours += step.total_seconds() / 3600
        found: list[tuple[int, Any]] = [
            (self.datastreams["power"], watts),
            (self.datastreams["energy"], round(self.energy_kwh, 4)),
            (self.datastreams["dim"], self.level),
            (self.datastreams["hours"], round(self.hours, 3)),
        ]
        if self.level > 0 and noise.random() < MOTION_CHANCE:
            found.append((self.datastreams["motion"], True))
        return found


@dataclass
class City:
    counters: list[Counter]
    benches: list[Bench]
    lamps: list[Lamp]
    chargers: list[Charger] = field(default_factory=list)
    hotspots: list[Hotspot] = field(default_factory=list)

    @property
    def size(self) -> int:
        return (
            len(self.counters)
            + len(self.benches)
            + len(self.lamps)
            + len(self.chargers)
            + len(self.hotspots)
        )


def discover(api: Any) -> City:
    """The devices the municipality has registered (car parks with a counter, benches,
    luminaires, charging points, WiFi hotspots), from its public APIs."""
    counters = [
        Counter(p["external_id"], p["total"] or 0, p["datastream_id"])
        for p in api.get("parking/car-parks")
        if p["datastream_id"] is not None and p["total"]
    ]
    benches = [
        Bench(b["datastreams"], traffic=random.Random(b["id"]).uniform(0.8, 1.3))  # noqa: S311
        for b in api.get("benches")
    ]
    lamps = []
    for group in api.get("lighting/groups"):
        for lum in group["luminaires"]:
            lamp = Lamp(lum["datastreams"], lum["tasking_capability_id"], lum["rated_power_w"])
            lamp.level = lum["commanded_level"] or 0
            lamp.energy_kwh = api.newest(lum["datastreams"]["energy"]) or 0.0
            lamp.hours = api.newest(lum["datastreams"]["hours"]) or 0.0
            lamps.append(lamp)
    chargers = [
        Charger(evse["datastream_id"], evse["status"])
        for location in api.get("charging/locations")
        for evse in location["evses"]
        if evse["datastream_id"] is not None
    ]
    hotspots = [
        Hotspot(h["name"], h["online_datastream_id"], h["clients_datastream_id"])
        for h in api.get("wifi/hotspots")
        if h["online_datastream_id"] is not None and h["clients_datastream_id"] is not None
    ]
    return City(counters, benches, lamps, chargers, hotspots)
