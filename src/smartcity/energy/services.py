"""Buildings and their meters (each building a Thing, each meter a Datastream of it), meter
exchanges, reference values per use type, and each building's consumption read from its
meters' Observations (see `consumption` for how readings become consumption)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.audit import services as audit
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.lookup import get_or_404
from smartcity.core.web.i18n import gettext_
from smartcity.energy import consumption
from smartcity.energy.consumption import Anomaly, Interval, Month, Reading
from smartcity.energy.models import Building, Meter, MeterExchange, ReferenceValue
from smartcity.energy.schemas import BuildingIn, ExchangeIn, MeterIn, ReferenceIn
from smartcity.energy.vocabulary import (
    CARRIER_OF,
    CARRIERS,
    OBSERVED_PROPERTY,
    UNIT_DEFINITIONS,
    UNITS,
    _,
)
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.models import Observation, ObservedProperty, Sensor
from smartcity.sensorthings.provisioning import create_thing
from smartcity.sensorthings.writing import Writer

# Readings read beyond the two years a page shows, so that the months at its edges are
# metered (readings once a quarter at least).
WINDOW_MARGIN = timedelta(days=100)
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
SENSOR_NAME = "Zähler eines städtischen Gebäudes"
READING_NAMES = {
    "electricity": "Stromzähler",
    "heat": "Wärmemengenzähler",
    "gas": "Gaszähler",
    "water": "Wasserzähler",
}

# ---- buildings, meters, exchanges, reference values ---------------------------------


def create_building(db: Session, wanted: BuildingIn, *, actor: str) -> Building:
    if db.scalar(select(Building.id).where(Building.name == wanted.name)) is not None:
        raise Conflict(_("There is already a building of that name."))
    thing = create_thing(
        db,
        name=wanted.name,
        description=f"Städtisches Gebäude {wanted.name}, {wanted.address}",
        kind="municipal-building",
        lat=wanted.lat,
        lon=wanted.lon,
        sensor_name=SENSOR_NAME,
        streams=[],
    )
    building = Building(**wanted.model_dump(), thing_id=thing.id)
    db.add(building)
    db.flush()
    _record(db, actor, "energy.building.create", "energy_building", building.id, wanted)
    return building


def all_buildings(db: Session) -> list[Building]:
    return list(
        db.scalars(
            select(Building)
            .options(selectinload(Building.meters).selectinload(Meter.exchanges))
            .order_by(Building.name)
        )
    )


def get_building(db: Session, building_id: int) -> Building:
    return get_or_404(db, Building, building_id, "building")


def add_meter(db: Session, building: Building, wanted: MeterIn, *, actor: str) -> Meter:
    """A meter and its Datastream on the building's Thing (readings in kWh or m³)."""
    # The CSV import finds meters by their number without case: "S-1" and "s-1" would be one
    # meter there. (Numbers are ASCII letters, digits and . - / only, so lower() is exact.)
    taken = db.scalar(
        select(Meter.number).where(func.lower(Meter.number) == wanted.number.lower()).limit(1)
    )
    if taken is not None:
        raise Conflict(
            gettext_(
                "There is already a meter “%(number)s”; meter numbers that differ only in "
                "upper and lower case count as the same."
            )
            % {"number": taken}
        )
    if wanted.kind == "gas" and wanted.kwh_per_m3 is None:
        needs = _("A gas meter needs its kWh per m³ (calorific value × z-number).")
        raise InvalidInput(needs, errors={"kwh_per_m3": needs})
    if building.thing_id is None:
        raise InvalidInput(_("This building has no Thing to hang the meter's readings from."))
    unit = UNITS[wanted.kind]
    writer = Writer(db)
    datastream = writer.create(
        ENTITY_TYPES["Datastream"],
        {
            "name": f"{READING_NAMES[wanted.kind]} {wanted.number}",
            "description": f"Zählerstand ({unit}) im Gebäude {building.name}",
            "observationType": OM_MEASUREMENT,
            "unitOfMeasurement": {
                "name": "Kilowattstunde" if unit == "kWh" else "Kubikmeter",
                "symbol": unit,
                "definition": UNIT_DEFINITIONS[unit],
            },
            "Thing": {"@iot.id": building.thing_id},
            "Sensor": {"@iot.id": _sensor(db, writer)},
            "ObservedProperty": {"@iot.id": _observed_property(db, writer, wanted.kind)},
        },
    )
    meter = Meter(**wanted.model_dump(), building_id=building.id, datastream_id=datastream.id)
    db.add(meter)
    db.flush()
    _record(db, actor, "energy.meter.create", "energy_meter", meter.id, wanted)
    return meter


def _sensor(db: Session, writer: Writer) -> int:
    sensor = db.scalar(select(Sensor).where(Sensor.name == SENSOR_NAME).limit(1))
    if sensor is None:
        sensor = writer.create(
            ENTITY_TYPES["Sensor"],
            {
                "name": SENSOR_NAME,
                "description": "Zähler für Strom, Wärme, Gas oder Wasser",
                "encodingType": "text/plain",
                "metadata": "",
            },
        )
    return int(sensor.id)


def _observed_property(db: Session, writer: Writer, kind: str) -> int:
    definition = OBSERVED_PROPERTY + kind
    found = db.scalar(select(ObservedProperty).where(ObservedProperty.definition == definition))
    if found is None:
        found = writer.create(
            ENTITY_TYPES["ObservedProperty"],
            {
                "name": f"Zählerstand {READING_NAMES[kind]}",
                "definition": definition,
                "description": "Kumulierter Zählerstand",
            },
        )
    return int(found.id)


def get_meter(db: Session, meter_id: int) -> Meter:
    return get_or_404(db, Meter, meter_id, "meter")


def record_exchange(db: Session, meter: Meter, wanted: ExchangeIn, *, actor: str) -> MeterExchange:
    at = wanted.exchanged_at
    if at.tzinfo is None:
        raise InvalidInput("The time of the exchange needs a time zone.")
    if any(e.exchanged_at == at for e in meter.exchanges):
        raise Conflict("This meter already has an exchange at that time.")
    exchange = MeterExchange(
        meter_id=meter.id, exchanged_at=at, old_final=wanted.old_final, new_start=wanted.new_start
    )
    db.add(exchange)
    db.flush()
    db.refresh(meter, ["exchanges"])
    _record(db, actor, "energy.meter.exchange", "energy_meter", meter.id, wanted)
    return exchange


def set_reference(db: Session, wanted: ReferenceIn, *, actor: str) -> ReferenceValue:
    found = db.scalar(select(ReferenceValue).where(ReferenceValue.use_type == wanted.use_type))
    if found is None:
        found = ReferenceValue(use_type=wanted.use_type)
        db.add(found)
    found.heat_kwh_m2 = wanted.heat_kwh_m2
    found.electricity_kwh_m2 = wanted.electricity_kwh_m2
    found.source = wanted.source
    db.flush()
    _record(db, actor, "energy.reference.set", "energy_reference", found.id, wanted)
    return found


def references(db: Session) -> dict[str, ReferenceValue]:
    return {r.use_type: r for r in db.scalars(select(ReferenceValue))}


def _record(db: Session, actor: str, action: str, kind: str, ident: int, data: object) -> None:
    changes = data.model_dump(mode="json") if hasattr(data, "model_dump") else {}
    audit.record(
        db, actor=actor, action=action, resource_type=kind, resource_id=str(ident), changes=changes
    )


# ---- consumption --------------------------------------------------------------------


@dataclass
class MeterSeries:
    meter: Meter
    readings: list[Reading]
    intervals: list[Interval]
    months: dict[Month, float]
    covered: set[Month]
    anomalies: list[Anomaly]
    # Electricity read at least hourly: the night's power against the day's (None: not
    # enough such readings to tell), whether or not it is an anomaly.
    night: consumption.NightLoad | None = None

    @property
    def carrier(self) -> str:
        return CARRIER_OF[self.meter.kind]

    def in_carrier_unit(self, amount: float) -> float:
        """Gas counts m³; the heating energy is in kWh."""
        if self.meter.kind == "gas":
            return amount * (self.meter.kwh_per_m3 or 0.0)
        return amount


@dataclass(frozen=True)
class YearFigure:
    """One carrier of one building in one year."""

    carrier: str
    amount: float
    months: int  # months of the year that every meter of the carrier covers
    previous: float | None  # the same months a year earlier, where every meter covers them
    current_same: float | None  # this year's amount over those same months
    per_m2: float | None  # only for a complete year
    reference: float | None  # kWh/m² of the use type, when set

    @property
    def complete(self) -> bool:
        return self.months == 12

    @property
    def change_percent(self) -> float | None:
        if not self.previous or self.current_same is None:
            return None
        return round(100 * (self.current_same / self.previous - 1), 1)

    @property
    def against_reference_percent(self) -> float | None:
        if self.per_m2 is None or not self.reference:
            return None
        return round(100 * (self.per_m2 / self.reference - 1), 1)


@dataclass
class BuildingReport:
    building: Building
    series: list[MeterSeries] = field(default_factory=list)

    def carrier_months(self, carrier: str) -> tuple[dict[Month, float], set[Month]]:
        """Consumption per month of a carrier (kWh or m³) and the months all its meters cover."""
        meters = [s for s in self.series if s.carrier == carrier]
        months: dict[Month, float] = defaultdict(float)
        for s in meters:
            for month, amount in s.months.items():
                months[month] += s.in_carrier_unit(amount)
        covered = set.intersection(*(s.covered for s in meters)) if meters else set()
        return dict(months), covered

    def carriers(self) -> list[str]:
        present = {s.carrier for s in self.series}
        return [c for c in CARRIERS if c in present]

    def years(self) -> list[int]:
        return sorted({m[0] for s in self.series for m in s.covered}, reverse=True)

    def year(self, carrier: str, year: int, reference: ReferenceValue | None) -> YearFigure:
        months, covered = self.carrier_months(carrier)
        mine = [(year, m) for m in range(1, 13) if (year, m) in covered]
        amount = sum(months.get(month, 0.0) for month in mine)
        both = [(y, m) for y, m in mine if (y - 1, m) in covered]
        previous = sum(months.get((y - 1, m), 0.0) for y, m in both) if both else None
        current_same = sum(months.get(month, 0.0) for month in both) if both else None
        area = self.building.floor_area_m2
        per_m2 = round(amount / area, 1) if len(mine) == 12 and carrier != "water" else None
        target = None
        if reference is not None and carrier != "water":
            target = reference.heat_kwh_m2 if carrier == "heating" else reference.electricity_kwh_m2
        return YearFigure(carrier, amount, len(mine), previous, current_same, per_m2, target)

    def anomalies(self) -> list[tuple[Meter, Anomaly]]:
        found = [(s.meter, a) for s in self.series for a in s.anomalies]
        return sorted(found, key=lambda pair: pair[1].at, reverse=True)


def readings_of(
    db: Session,
    datastream_ids: Iterable[int],
    window: tuple[datetime, datetime | None] | None = None,
) -> dict[int, list[Reading]]:
    """The readings of each Datastream, oldest first (within `window`, when given; a window
    without an end reaches to the newest reading)."""
    wanted = sorted(set(datastream_ids))
    found: dict[int, list[Reading]] = defaultdict(list)
    if not wanted:
        return found
    query = select(
        Observation.datastream_id, Observation.phenomenon_time_start, Observation.result_number
    ).where(Observation.datastream_id.in_(wanted), Observation.result_number.is_not(None))
    if window is not None:
        query = query.where(Observation.phenomenon_time_start >= window[0])
        if window[1] is not None:
            query = query.where(Observation.phenomenon_time_start <= window[1])
    rows = db.execute(query.order_by(Observation.phenomenon_time_start, Observation.id))
    for datastream_id, at, value in rows:
        if datastream_id is not None and value is not None:
            found[datastream_id].append(Reading(at, float(value)))
    return found


def series_of(meter: Meter, readings: list[Reading], zone: ZoneInfo) -> MeterSeries:
    exchanges = [
        consumption.Exchange(e.exchanged_at, e.old_final, e.new_start) for e in meter.exchanges
    ]
    found = consumption.intervals(readings, exchanges, meter.digits)
    months = consumption.monthly(found, zone)
    anomalies = [
        consumption.Anomaly(consumption.LOWER, i.end) for i in found if i.note == consumption.LOWER
    ]
    if meter.kind in ("heat", "gas"):
        anomalies += consumption.seasonal_jumps(months, zone)
    else:
        anomalies += consumption.jumps(found, zone)
    night = consumption.night_load(found, zone) if meter.kind == "electricity" else None
    if night is not None and night.high:
        anomalies.append(consumption.Anomaly("night", night.at, night.night_kw, night.day_kw))
    covered = consumption.covered_months(readings, zone)
    return MeterSeries(meter, readings, found, months, covered, anomalies, night)


def reports(
    db: Session,
    zone: str,
    buildings: list[Building] | None = None,
    *,
    year: int | None = None,
    since: datetime | None = None,
) -> list[BuildingReport]:
    """Every building (or those given) with its meters' consumption: two queries and one for
    all readings. With `year`, only the readings around it and the year before are read (the
    pages show one year against the previous one; a meter read every 15 minutes has 35,000
    readings a year), so anomalies are those of these two years; with `since`, only the
    readings from then on (the anomaly alerts look at the recent past)."""
    chosen = all_buildings(db) if buildings is None else buildings
    place = ZoneInfo(zone)
    window: tuple[datetime, datetime | None] | None = None
    if since is not None:
        window = (since, None)
    elif year is not None:
        window = (
            consumption.month_start((year - 1, 1), place) - WINDOW_MARGIN,
            consumption.month_start((year + 1, 1), place) + WINDOW_MARGIN,
        )
    readings = readings_of(
        db,
        [m.datastream_id for b in chosen for m in b.meters if m.datastream_id is not None],
        window,
    )
    found = []
    for building in chosen:
        report = BuildingReport(building)
        for meter in building.meters:
            report.series.append(
                series_of(meter, readings.get(meter.datastream_id or 0, []), place)
            )
        found.append(report)
    return found


def newest_year(db: Session, buildings: list[Building], zone: str) -> int | None:
    """The local year of the newest reading of the buildings' meters (a reading on the first
    morning of a year closes the year before)."""
    ids = [m.datastream_id for b in buildings for m in b.meters if m.datastream_id is not None]
    if not ids:
        return None
    newest = db.scalar(
        select(func.max(Observation.phenomenon_time_start)).where(
            Observation.datastream_id.in_(ids)
        )
    )
    if newest is None:
        return None
    return (newest - consumption.MONTH_EDGE).astimezone(ZoneInfo(zone)).year


def newest_reading(report: BuildingReport) -> datetime | None:
    times = [s.readings[-1].at for s in report.series if s.readings]
    return max(times) if times else None
