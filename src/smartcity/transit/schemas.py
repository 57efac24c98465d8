"""Request and response models of the transit API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Accessibility = Literal["yes", "no", "unknown"]


def accessibility(value: int) -> Accessibility:
    """GTFS's 0/1/2 (unknown, possible, not possible) as a word."""
    return "yes" if value == 1 else "no" if value == 2 else "unknown"


class StopOut(BaseModel):
    id: str = Field(description="GTFS stop_id")
    name: str
    code: str = ""
    lat: float | None = None
    lon: float | None = None
    station: bool = Field(description="A station with platforms (GTFS location_type 1)")
    wheelchair_boarding: Accessibility


class AlertOut(BaseModel):
    header: str
    description: str
    effect: str = Field(description="GTFS-Realtime Alert.Effect, e.g. DETOUR, NO_SERVICE")
    cause: str


class DepartureOut(BaseModel):
    trip_id: str
    route: str = Field(description="The line as passengers know it (route_short_name)")
    route_type: int = Field(description="GTFS route_type: 0 tram, 3 bus, …")
    headsign: str
    stop_id: str
    platform: str = ""
    scheduled: datetime = Field(description="Departure by the timetable")
    expected: datetime | None = Field(
        default=None, description="Departure by the realtime data (null: none, or stale)"
    )
    delay_minutes: int | None = None
    cancelled: bool = False
    extra_trip: bool = Field(
        default=False,
        description="An extra trip (GTFS-Realtime ADDED or NEW) that is not in the timetable; "
        "its times are the realtime data's",
    )
    wheelchair_accessible: Accessibility = Field(description="The vehicle (trip)")
    wheelchair_boarding: Accessibility = Field(description="The stop or its station")
    alerts: list[AlertOut] = []


class RealtimeOut(BaseModel):
    state: Literal["live", "stale", "none"] = Field(
        description="live: delays applied; stale: realtime older than the set age, timetable "
        "shown; none: no realtime source"
    )
    produced_at: datetime | None = None


class BoardOut(BaseModel):
    stop: StopOut
    generated_at: datetime
    timezone: str
    realtime: RealtimeOut
    alerts: list[AlertOut]
    departures: list[DepartureOut]


class NoticeOut(BaseModel):
    code: str = Field(description="MobilityData GTFS validator rule code")
    severity: str
    count: int
    examples: list[dict[str, Any]]


class FeedOut(BaseModel):
    id: int
    status: str = Field(
        description="pending, importing, active, superseded, rejected (validator errors or "
        "not a GTFS zip) or failed"
    )
    origin: str
    filename: str
    size_bytes: int
    created_at: datetime
    finished_at: datetime | None
    activated_at: datetime | None
    error_count: int
    warning_count: int
    message: str
    counts: dict[str, int]
    notices: list[NoticeOut]


class SourcesIn(BaseModel):
    gtfs_url: str = Field(default="", max_length=500)
    trip_updates_url: str = Field(default="", max_length=500)
    alerts_url: str = Field(default="", max_length=500)
    stale_after_seconds: int = Field(default=300, ge=30, le=86_400)


class RealtimeStateOut(BaseModel):
    kind: str
    produced_at: datetime | None
    checked_at: datetime | None
    problem: str
    entities: int
    unknown_trips: int
    ignored_extra_trips: int = Field(
        description="Extra trips the last poll could not show: ADDED/NEW with an unknown "
        "route or stops, or no times; and copies of timetabled trips (DUPLICATED, not shown yet)"
    )


class SourcesOut(SourcesIn):
    gtfs_last_modified: str
    gtfs_checked_at: datetime | None
    gtfs_result: str
    realtime: list[RealtimeStateOut]
