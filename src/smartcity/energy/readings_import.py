"""Meter readings from a CSV file (what a meter reader or the supplier's portal gives):
each row a meter number, a time and a reading, optionally the new meter's start reading when
the meter was exchanged at that time (the row's reading is then the old meter's last).

Every row is checked before anything is stored; a file with a bad row is refused whole, with
every bad row named, so a corrected file can be imported again without duplicates. Good
rows become Observations of the meters' Datastreams through the bulk ingestion path, exactly
like readings that arrive over HTTP or MQTT."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.core.web.i18n import gettext_
from smartcity.energy import consumption
from smartcity.energy.consumption import Reading
from smartcity.energy.models import Meter, MeterExchange
from smartcity.energy.services import readings_of
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache
from smartcity.sensorthings.models import Observation

MAX_BYTES = 2 * 2**20
MAX_ROWS = 50_000
# Column names in the header (compared without case, accents and spaces).
METER, TIME, READING, NEW_START = "zaehler", "zeitpunkt", "stand", "neuerzaehlerstart"
ALIASES = {
    "zaehler": METER,
    "zaehlernummer": METER,
    "meter": METER,
    "zeitpunkt": TIME,
    "datum": TIME,
    "time": TIME,
    "stand": READING,
    "zaehlerstand": READING,
    "reading": READING,
    "neuerzaehlerstart": NEW_START,
    "startstandneu": NEW_START,
    "newmeterstart": NEW_START,
}
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class ImportRefused(InvalidInput):
    """The file was not imported; `problems` names every bad row (or the file's problem)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "The file was not imported.")
        self.problems = problems


@dataclass(frozen=True)
class Row:
    line: int
    meter: Meter
    at: datetime
    value: float
    new_start: float | None


@dataclass(frozen=True)
class Imported:
    readings: int
    exchanges: int
    meters: int


def _key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("ä", "ae").replace("Ä", "Ae"))
    return "".join(c for c in plain.lower() if c.isalnum())


# One separator followed by exactly three digits after one to three digits ("1.234",
# "1,234"): a thousands separator (German 1.234, English 1,234) or a decimal one (English
# 1.234, German 1,234)? Refused, not guessed: 1234 read as 1.234 would corrupt a meter's
# history without anybody noticing.
AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")
# Digits with at most one separator, which is then the decimal one.
PLAIN = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Thousands grouped by points with an optional decimal comma (German: 12.345,6) or grouped
# by commas with an optional decimal point (English: 12,345.6). A second, different
# separator or a repeated one tells which is which, so these are read in either convention.
GERMAN_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
ENGLISH_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")


def ambiguous(text: str) -> bool:
    """Whether a number's one separator could mean thousands as well as decimals."""
    return AMBIGUOUS.match(text.strip().replace(" ", "")) is not None


def number(text: str) -> float | None:
    """A reading as people write it, in the German or the English convention: 1234,5 or
    1234.5, 12.345,6 or 12,345.6, 1.234.567; spaces between digit groups are ignored. None
    for anything else and for the ambiguous 1.234 and 1,234 (`ambiguous`)."""
    value = text.strip().replace(" ", "")
    if AMBIGUOUS.match(value):
        return None
    if PLAIN.match(value):
        found = float(value.replace(",", "."))
    elif GERMAN_GROUPED.match(value):
        found = float(value.replace(".", "").replace(",", "."))
    elif ENGLISH_GROUPED.match(value):
        found = float(value.replace(",", ""))
    else:
        return None
    return found if math.isfinite(found) else None  # 400 digits are infinity as a float


def ambiguity(text: str) -> str:
    """What is wrong with an ambiguous number (`ambiguous`), in the reader's language."""
    return gettext_(
        "“%(text)s” is ambiguous (thousands or decimals?): please write it without thousands "
        "separators, with at most one decimal comma or point, e.g. 1234,5 or 1234.5"
    ) % {"text": text.strip()[:40]}


def moment(text: str, zone: ZoneInfo) -> datetime | None:
    """A time as 2026-03-01, 2026-03-01T06:00, with an offset, or 01.03.2026 [06:00]; without
    an offset in the municipality's time zone, a date alone at midnight."""
    value = text.strip()
    german = GERMAN_DATE.match(value)
    try:
        if german:
            day, month, year, hour, minute, second = german.groups()
            found = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        else:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=zone)
    return found.astimezone(UTC)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([gettext_("The file is not a text file (CSV).")])


def parse(db: Session, data: bytes, zone: ZoneInfo, now: datetime) -> list[Row]:
    """The file's rows, each checked; ImportRefused with every problem found."""
    if not data.strip():
        raise ImportRefused([gettext_("The file is empty.")])
    if len(data) > MAX_BYTES:
        raise ImportRefused([gettext_("The file is larger than 2 MB; please split it.")])
    text = _decode(data)
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [ALIASES.get(_key(name), _key(name)) for name in next(reader, [])]
    missing = [name for name in (METER, TIME, READING) if name not in header]
    if missing:
        raise ImportRefused(
            [
                gettext_(
                    "The first line must name the columns Zähler, Zeitpunkt and Stand "
                    "(optionally Neuer Zählerstart), separated by semicolons."
                )
            ]
        )
    where = {
        name: header.index(name) for name in (METER, TIME, READING, NEW_START) if name in header
    }
    # Meter numbers are compared without case (a CSV names "s-1" for "S-1"); meters that
    # differ only in case (created before that was refused) are told apart by the exact number.
    meters: dict[str, list[Meter]] = defaultdict(list)
    for found in db.scalars(select(Meter).order_by(Meter.id)):
        meters[found.number.casefold()].append(found)
    problems: list[str] = []
    rows: list[Row] = []
    seen: set[tuple[int, datetime]] = set()
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(gettext_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
            break
        wrong: list[str] = []

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if any(extra.strip() for extra in cells[len(header) :]):
            # "S-1,01.03.2026,1234,5" in a comma-separated file: the reading would be 1234.
            wrong.append(
                gettext_(
                    "the line has more cells than the first line has columns (a decimal comma "
                    "in a comma-separated file? Then put the reading in quotes)"
                )
            )
        named = meters.get(cell(METER).casefold(), [])
        meter = next((m for m in named if m.number == cell(METER)), None)
        if meter is None and len(named) == 1:
            meter = named[0]
        if meter is None and named:
            wrong.append(
                gettext_(
                    "“%(number)s” could be any of the meters %(numbers)s; please write the "
                    "number exactly as the meter's"
                )
                % {"number": cell(METER)[:40], "numbers": ", ".join(m.number for m in named)}
            )
        elif meter is None:
            wrong.append(
                gettext_("there is no meter “%(number)s”") % {"number": cell(METER)[:40]}
                if cell(METER)
                else gettext_("the meter number is missing")
            )
        at = moment(cell(TIME), zone)
        if at is None:
            wrong.append(
                gettext_("“%(text)s” is not a date (e.g. 01.03.2026 or 2026-03-01)")
                % {"text": cell(TIME)[:40]}
            )
        elif at > now + timedelta(minutes=5):
            wrong.append(gettext_("the time lies in the future"))
        value = number(cell(READING))
        if ambiguous(cell(READING)):
            wrong.append(ambiguity(cell(READING)))
        elif value is None or value < 0:
            wrong.append(
                gettext_("“%(text)s” is not a meter reading (a number of 0 or more)")
                % {"text": cell(READING)[:40]}
            )
        elif meter is not None and meter.digits is not None and value >= 10**meter.digits:
            wrong.append(
                gettext_("the meter shows at most %(digits)s digits before the decimal point")
                % {"digits": meter.digits}
            )
        new_start = None
        if cell(NEW_START):
            new_start = number(cell(NEW_START))
            if ambiguous(cell(NEW_START)):
                wrong.append(ambiguity(cell(NEW_START)))
            elif new_start is None or new_start < 0:
                wrong.append(
                    gettext_("“%(text)s” is not the new meter's start reading")
                    % {"text": cell(NEW_START)[:40]}
                )
        if meter is not None and at is not None:
            if (meter.id, at) in seen:
                wrong.append(gettext_("the file has this meter's reading at this time twice"))
            seen.add((meter.id, at))
        if wrong:
            problems.append(_line(line, wrong))
        elif meter is not None and at is not None and value is not None:
            rows.append(Row(line, meter, at, value, new_start))
    if not rows and not problems:
        problems.append(gettext_("The file has no readings."))
    if problems:
        raise ImportRefused(problems)
    problems = _against_stored(db, rows)
    if problems:
        raise ImportRefused(problems)
    return rows


def _line(line: int, wrong: list[str]) -> str:
    return gettext_("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(wrong)}


def _against_stored(db: Session, rows: list[Row]) -> list[str]:
    """Readings and exchanges already stored at the same time, and readings lower than the one
    before them that neither an exchange nor the counter running over explains."""
    by_meter: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_meter[row.meter.id].append(row)
    problems: dict[int, list[str]] = defaultdict(list)
    for meter_rows in by_meter.values():
        meter = meter_rows[0].meter
        old = _stored_around(db, meter.datastream_id, meter_rows)
        old_times = {r.at for r in old}
        exchanged = {e.exchanged_at for e in meter.exchanges}
        for row in meter_rows:
            if row.at in old_times:
                problems[row.line].append(gettext_("a reading of this meter at this time exists"))
            if row.new_start is not None and row.at in exchanged:
                problems[row.line].append(
                    gettext_("an exchange of this meter at this time is already recorded")
                )
        exchanges = [
            consumption.Exchange(e.exchanged_at, e.old_final, e.new_start) for e in meter.exchanges
        ] + [
            consumption.Exchange(r.at, r.value, r.new_start)
            for r in meter_rows
            if r.new_start is not None and r.at not in exchanged
        ]
        new_at = {r.at: r for r in meter_rows}
        everything = [*old, *(consumption.Reading(r.at, r.value) for r in meter_rows)]
        for interval in consumption.intervals(everything, exchanges, meter.digits):
            if interval.note != consumption.LOWER:
                continue
            culprit = new_at.get(interval.end) or new_at.get(interval.start)
            if culprit is not None:
                problems[culprit.line].append(
                    gettext_(
                        "the reading is lower than the one before it; if the meter was "
                        "exchanged, give the new meter's start reading in the column "
                        "Neuer Zählerstart"
                    )
                )
    return [_line(line, wrong) for line, wrong in sorted(problems.items())]


def _stored_around(db: Session, datastream_id: int | None, rows: list[Row]) -> list[Reading]:
    """The meter's stored readings from the first to the last time of its rows in the file,
    with the one just before and the one just after (what the file's readings are compared
    with), oldest first: not the meter's whole history."""
    if datastream_id is None:
        return []
    first, last = min(r.at for r in rows), max(r.at for r in rows)
    within = readings_of(db, [datastream_id], (first, last)).get(datastream_id, [])
    time, result = Observation.phenomenon_time_start, Observation.result_number
    ours = select(time, result).where(
        Observation.datastream_id == datastream_id, result.is_not(None)
    )
    edges = [
        db.execute(ours.where(time < first).order_by(time.desc(), Observation.id.desc()).limit(1)),
        db.execute(ours.where(time > last).order_by(time, Observation.id).limit(1)),
    ]
    found = [row for row in (e.one_or_none() for e in edges) if row is not None]
    neighbours = [Reading(at, float(value)) for at, value in found if value is not None]
    return sorted([*within, *neighbours], key=lambda r: r.at)


def import_readings(
    db: Session, platform: Platform, municipality_id: int, data: bytes, zone: str, *, actor: str
) -> Imported:
    """Checks the whole file, then stores its readings (and exchanges) in this transaction."""
    rows = parse(db, data, ZoneInfo(zone), utcnow())
    by_stream: dict[int, list[list[object]]] = defaultdict(list)
    for row in rows:
        if row.meter.datastream_id is not None:
            by_stream[row.meter.datastream_id].append(
                [row.at.isoformat().replace("+00:00", "Z"), row.value]
            )
    payload = [
        {
            "Datastream": {"@iot.id": datastream},
            "components": ["phenomenonTime", "result"],
            "dataArray": values,
        }
        for datastream, values in by_stream.items()
    ]
    answers, good = bulk.prepare(payload, TargetCache(platform.sessions, 0), municipality_id, db)
    if len(good) != len(answers):
        raise ImportRefused([gettext_("The readings could not be stored; nothing was imported.")])
    exchanges = [
        MeterExchange(
            meter_id=r.meter.id, exchanged_at=r.at, old_final=r.value, new_start=r.new_start
        )
        for r in rows
        if r.new_start is not None
    ]
    db.add_all(exchanges)
    db.flush()
    ObservationStore(platform.engine).write_on(db.connection(), [obs for _, obs in good])
    result = Imported(len(good), len(exchanges), len({r.meter.id for r in rows}))
    audit.record(
        db,
        actor=actor,
        action="energy.readings.import",
        resource_type="energy_meter",
        resource_id="csv",
        changes={"readings": result.readings, "exchanges": result.exchanges},
    )
    return result
