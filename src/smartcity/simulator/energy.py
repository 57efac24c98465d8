"""The meters of the demo's municipal buildings as a metering gateway sends them: found as the
Datastreams of the Things of kind "municipal-building" (SensorThings API), each with its newest
reading; as time passes each sends the readings it took since (`energy.demo.next_readings`:
the town hall's electricity every full hour, the others on the first of each month), with
their own times, over HTTP `CreateObservations` with the simulator's `sta:write` key — a
gateway delivers its stored readings in one batch, also when the devices talk MQTT."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.energy.demo import next_readings
from smartcity.energy.vocabulary import OBSERVED_PROPERTY
from smartcity.simulator.transport import Api

# The demo municipalities are German; the meters are read by local time (06:00 on the 1st).
ZONE = ZoneInfo("Europe/Berlin")


@dataclass
class Meter:
    building: str
    kind: str
    datastream: int
    last: tuple[datetime, float]

    def readings(self, now: datetime, noise: random.Random) -> list[tuple[datetime, float]]:
        return next_readings(self.building, self.kind, self.last, now, ZONE, noise)


@dataclass
class Meters:
    meters: list[Meter] = field(default_factory=list)

    @classmethod
    def discover(cls, api: Api) -> Meters:
        """The buildings' meters with a reading to go on from (a meter without one has not
        been installed yet)."""
        response = api.http.get(
            f"{api.root}/sta/v1.1/Things",
            params={
                "$filter": "properties/kind eq 'municipal-building'",
                "$expand": "Datastreams($expand=ObservedProperty)",
                "$top": "1000",
            },
        )
        response.raise_for_status()
        found = []
        for thing in response.json()["value"]:
            for stream in thing.get("Datastreams", []):
                definition = stream.get("ObservedProperty", {}).get("definition", "")
                if not definition.startswith(OBSERVED_PROPERTY):
                    continue
                last = newest(api, stream["@iot.id"])
                if last is not None:
                    kind = definition.removeprefix(OBSERVED_PROPERTY)
                    found.append(Meter(thing["name"], kind, stream["@iot.id"], last))
        return cls(found)

    def send(self, api: Api, now: datetime, noise: random.Random) -> int:
        """Each meter's readings since its last one; the number stored."""
        body: list[dict[str, Any]] = []
        taken: list[tuple[Meter, tuple[datetime, float]]] = []
        for meter in self.meters:
            rows = meter.readings(now, noise)
            if rows:
                body.append(
                    {
                        "Datastream": {"@iot.id": meter.datastream},
                        "components": ["phenomenonTime", "result"],
                        "dataArray": [[at.isoformat(), value] for at, value in rows],
                    }
                )
                taken.append((meter, rows[-1]))
        if not body:
            return 0
        response = api.http.post(f"{api.root}/sta/v1.1/CreateObservations", json=body)
        response.raise_for_status()
        # Only once stored: a failed round is sent again in the next one.
        for meter, last in taken:
            meter.last = last
        return sum(1 for answer in response.json() if answer != "error")


def newest(api: Api, datastream: int) -> tuple[datetime, float] | None:
    response = api.http.get(
        f"{api.root}/sta/v1.1/Datastreams({datastream})/Observations",
        params={"$top": "1", "$orderby": "phenomenonTime desc", "$select": "phenomenonTime,result"},
    )
    response.raise_for_status()
    found = response.json()["value"]
    if not found:
        return None
    at = datetime.fromisoformat(found[0]["phenomenonTime"].replace("Z", "+00:00"))
    return at, float(found[0]["result"])
