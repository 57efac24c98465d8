"""The Observations of one public Datastream for a chosen time range, as CSV (RFC 4180,
UTF-8): the download the SensorThings dataset of the catalogue offers beside its daily file.

Only while the municipality publishes that dataset, and only Datastreams the public may see
(`sensorthings.access`). The range is at most `MAX_DAYS` long and at most `MAX_ROWS`
Observations (else a clear 422, before anything is sent); the rows are read in chunks by
keyset pagination, each chunk in a short transaction of its own, and streamed, so that
memory stays flat however long the file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import transaction
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, TenantScope
from smartcity.opendata.models import PUBLISHED, OpenDataset
from smartcity.sensorthings import access
from smartcity.sensorthings import models as sta

# The catalogue's dataset the Datastreams belong to (the sensorthings module's declaration).
SOURCE = "sensorthings.messwerte"
# The messages below name these figures (they are translated texts).
MAX_DAYS = 31
MAX_ROWS = 200_000
CHUNK = 5_000
COLUMNS = ("phenomenon_time_start", "phenomenon_time_end", "result_time", "result")


@dataclass(frozen=True)
class Stream:
    id: int
    name: str
    unit: str


@dataclass(frozen=True)
class Range:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC


def is_published(db: Session) -> bool:
    return (
        db.scalar(
            select(OpenDataset.id).where(
                OpenDataset.source == SOURCE, OpenDataset.status == PUBLISHED
            )
        )
        is not None
    )


def public_streams(db: Session) -> list[Stream]:
    """The Datastreams the public may download, by name."""
    if not is_published(db):
        return []
    rows = db.execute(
        select(sta.Datastream.id, sta.Datastream.name, sta.Datastream.unit_of_measurement)
        .where(access.visible("Datastream"))
        .order_by(sta.Datastream.name, sta.Datastream.id)
    )
    return [Stream(i, name, (unit or {}).get("symbol", "")) for i, name, unit in rows]


def stream_of(db: Session, datastream_id: int) -> Stream:
    if not is_published(db):
        raise NotFound("The municipality does not publish its sensor data.")
    row = db.execute(
        select(sta.Datastream.id, sta.Datastream.name, sta.Datastream.unit_of_measurement).where(
            sta.Datastream.id == datastream_id, access.visible("Datastream")
        )
    ).first()
    if row is None:
        raise NotFound("There is no such public Datastream.")
    return Stream(row[0], row[1], (row[2] or {}).get("symbol", ""))


def _moment(text: str, zone: ZoneInfo, name: str) -> datetime:
    """An ISO 8601 date or date and time; without an offset in the municipality's zone."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            value = datetime(day.year, day.month, day.day, tzinfo=zone)
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput(
            "Please give dates as 2026-12-01 or 2026-12-01T08:00.",
            errors={name: "Not a date (ISO 8601)."},
        ) from None
    return value.astimezone(UTC)


def time_range(start: str, end: str, municipality: Municipality, now: datetime) -> Range:
    """`from` (inclusive) to `to` (exclusive); without `to` until now, without `from` the
    day before `to`."""
    zone = ZoneInfo(municipality.timezone)
    until = _moment(end, zone, "to") if end else now.astimezone(UTC)
    since = _moment(start, zone, "from") if start else until - timedelta(days=1)
    if since >= until:
        raise InvalidInput("The start must come before the end.", errors={"from": "after end"})
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput("At most 31 days at a time.", errors={"to": "too long"})
    return Range(since, until)


def _window(datastream_id: int, span: Range) -> list[ColumnElement[bool]]:
    return [
        sta.Observation.datastream_id == datastream_id,
        sta.Observation.phenomenon_time_start >= span.start,
        sta.Observation.phenomenon_time_start < span.end,
    ]


def check_size(db: Session, stream: Stream, span: Range) -> int:
    count = db.scalar(
        select(func.count()).select_from(sta.Observation).where(*_window(stream.id, span))
    )
    if (count or 0) > MAX_ROWS:
        raise InvalidInput(
            "More than 200,000 observations: please choose a shorter time range.",
            errors={"to": "too many observations"},
        )
    return int(count or 0)


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


def _result(number: float | None, text: str | None, flag: bool | None, raw: object) -> str:
    if number is not None:
        return repr(number) if not float(number).is_integer() else str(int(number))
    if text is not None:
        return text
    if flag is not None:
        return "true" if flag else "false"
    return "" if raw is None else json.dumps(raw, ensure_ascii=False)


def rows(
    sessions: sessionmaker[Session], scope: TenantScope, stream: Stream, span: Range
) -> Iterator[bytes]:
    """The CSV, a chunk of Observations at a time, in time order (each chunk read in a
    transaction of its own: the request's has ended when the body is sent)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue().encode("utf-8")
    after: tuple[datetime, int] | None = None
    while True:
        with transaction(sessions, **{SCOPE_KEY: scope}) as db:
            statement = (
                select(
                    sta.Observation.phenomenon_time_start,
                    sta.Observation.phenomenon_time_end,
                    sta.Observation.result_time,
                    sta.Observation.result_number,
                    sta.Observation.result_string,
                    sta.Observation.result_boolean,
                    sta.Observation.result_json,
                    sta.Observation.id,
                )
                .where(*_window(stream.id, span))
                .order_by(sta.Observation.phenomenon_time_start, sta.Observation.id)
                .limit(CHUNK)
            )
            if after is not None:
                statement = statement.where(
                    tuple_(sta.Observation.phenomenon_time_start, sta.Observation.id)
                    > tuple_(*after)
                )
            chunk = db.execute(statement).all()
        if not chunk:
            return
        buffer.seek(0)
        buffer.truncate()
        for start, end, result_time, number, text, flag, raw, _id in chunk:
            writer.writerow(
                (_time(start), _time(end), _time(result_time), _result(number, text, flag, raw))
            )
        yield buffer.getvalue().encode("utf-8")
        after = (chunk[-1][0], chunk[-1][7])
        if len(chunk) < CHUNK:
            return


def file_name(stream: Stream, span: Range) -> str:
    return f"datastream-{stream.id}_{span.start:%Y%m%dT%H%M}Z_{span.end:%Y%m%dT%H%M}Z.csv"
