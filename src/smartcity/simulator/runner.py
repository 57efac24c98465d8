"""The simulation loop: every `interval`, each device learns its commands and sends what it
measures now, and the simulated transit operator (when there is one) moves its vehicles on."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from smartcity.core.db import utcnow
from smartcity.simulator.devices import City, discover
from smartcity.simulator.energy import Meters
from smartcity.simulator.realtime import RealtimeFeed
from smartcity.simulator.transport import Api, MqttSender

log = logging.getLogger(__name__)


@dataclass
class Options:
    base_url: str
    municipality: str
    key: str
    interval: float = 10.0
    mqtt_url: str | None = None  # None: readings over HTTP
    seed: int | None = None


class Simulation:
    def __init__(
        self,
        options: Options,
        http: httpx.Client | None = None,
        realtime: RealtimeFeed | None = None,
    ) -> None:
        self.options = options
        # The GTFS-Realtime feed of the demo timetable; whoever serves it (FeedServer) and
        # points the platform's realtime sources at it decides that there is one.
        self.realtime = realtime
        self.api = Api(options.base_url, options.municipality, options.key, http)
        self.sender = MqttSender(options.mqtt_url, options.key) if options.mqtt_url else None
        self.noise = random.Random(options.seed)  # noqa: S311 - simulated values
        self.city: City = discover(self.api)
        self.meters = Meters.discover(self.api)  # the municipal buildings' meters

    def tick(self) -> int:
        """One round: lamps take their newest Task, every device sends its readings; returns
        the number of readings stored (HTTP) or acknowledged by the broker (MQTT)."""
        now = utcnow()
        if self.realtime is not None:
            self.realtime.advance(now)
        for lamp in self.city.lamps:
            level = self.api.newest_task_level(lamp.tasking_capability)
            if level is not None:
                lamp.level = level
        readings = [r for device in self.city.counters for r in device.readings(now, self.noise)]
        readings += [r for device in self.city.benches for r in device.readings(now, self.noise)]
        readings += [r for device in self.city.lamps for r in device.readings(now, self.noise)]
        readings += [r for device in self.city.chargers for r in device.readings(now, self.noise)]
        readings += [r for device in self.city.hotspots for r in device.readings(now, self.noise)]
        stored = self.meters.send(self.api, now, self.noise)
        if self.sender is not None:
            return stored + self.sender.send(now, readings)
        return stored + self.api.send_http(now, readings)

    def run(
        self, stop: threading.Event | None = None, say: Callable[[str], None] = log.info
    ) -> None:
        stop = stop or threading.Event()
        say(
            f"simulating {len(self.city.counters)} car-park counters, {len(self.city.benches)} "
            f"benches, {len(self.city.lamps)} luminaires, {len(self.city.chargers)} charging "
            f"points and {len(self.city.hotspots)} WiFi hotspots of "
            f"{self.options.municipality}"
            + (" and its trams and buses" if self.realtime is not None else "")
            + f" every {self.options.interval:g} s"
        )
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except Exception as exc:  # keep simulating through a restart of the server
                log.warning("simulation round failed: %s", exc)
            stop.wait(max(0.0, self.options.interval - (time.monotonic() - started)))

    def close(self) -> None:
        self.api.close()
        if self.sender is not None:
            self.sender.close()
