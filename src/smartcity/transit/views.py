"""Turning the services' results into the API's response models (shared by routes and
pages)."""

from __future__ import annotations

from smartcity.transit.departures import AlertView, Board
from smartcity.transit.models import Feed, Stop
from smartcity.transit.schemas import (
    AlertOut,
    BoardOut,
    DepartureOut,
    FeedOut,
    NoticeOut,
    RealtimeOut,
    StopOut,
    accessibility,
)


def stop_out(stop: Stop) -> StopOut:
    return StopOut(
        id=stop.stop_id,
        name=stop.name,
        code=stop.code,
        lat=stop.lat,
        lon=stop.lon,
        station=stop.location_type == 1,
        wheelchair_boarding=accessibility(stop.wheelchair_boarding),
    )


def alert_out(alert: AlertView) -> AlertOut:
    return AlertOut(
        header=alert.header, description=alert.description, effect=alert.effect, cause=alert.cause
    )


def board_out(board: Board) -> BoardOut:
    return BoardOut(
        stop=stop_out(board.stop),
        generated_at=board.generated_at,
        timezone=board.timezone,
        realtime=RealtimeOut(state=board.realtime, produced_at=board.realtime_at),
        alerts=[alert_out(a) for a in board.alerts],
        departures=[
            DepartureOut(
                trip_id=d.trip_id,
                route=d.route,
                route_type=d.route_type,
                headsign=d.headsign,
                stop_id=d.stop_id,
                platform=d.platform,
                scheduled=d.scheduled,
                expected=d.expected,
                delay_minutes=d.delay_minutes,
                cancelled=d.cancelled,
                extra_trip=d.extra_trip,
                wheelchair_accessible=accessibility(d.wheelchair_accessible),
                wheelchair_boarding=accessibility(d.wheelchair_boarding),
                alerts=[alert_out(a) for a in d.alerts],
            )
            for d in board.departures
        ],
    )


def feed_out(feed: Feed) -> FeedOut:
    return FeedOut(
        id=feed.id,
        status=feed.status,
        origin=feed.origin,
        filename=feed.filename,
        size_bytes=feed.size_bytes,
        created_at=feed.created_at,
        finished_at=feed.finished_at,
        activated_at=feed.activated_at,
        error_count=feed.error_count,
        warning_count=feed.warning_count,
        message=feed.message,
        counts=feed.counts,
        notices=[NoticeOut(**n) for n in feed.notices],
    )
