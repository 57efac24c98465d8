"""Live updates of the cockpit as server-sent events.

Each open cockpit asks the database once a second for Observations newer than the last it
saw. That works the same whichever way a reading arrived (HTTP, MQTT, another app instance),
needs no shared state between instances, and costs one index range scan per viewer and
second. The markers a reading touches are sent recomputed: the modules say which Datastreams
change which of their map layers (`Module.live_sources`), and a viewer gets the layers they may
see.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.db import transaction
from smartcity.core.modules import MapLayer, Registry
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.web import i18n
from smartcity.sensorthings.models import Datastream, Observation, Thing

POLL_SECONDS = 1.0
MAX_PER_POLL = 200
# Browsers reconnect by themselves; a bounded stream frees the worker of a forgotten tab.
MAX_STREAM_SECONDS = 3600
HEARTBEAT_SECONDS = 15


@dataclass
class Cursor:
    last_id: int
    streams: dict[int, tuple[str, str, str]]  # datastream id: (thing, name, unit symbol)
    layers: dict[int, list[MapLayer]]  # datastream id: the layers its readings change


def _layers_of(db: Session, registry: Registry, shown: list[MapLayer]) -> dict[int, list[MapLayer]]:
    by_name = {layer.name: layer for layer in shown}
    layers: dict[int, list[MapLayer]] = {}
    for source in registry.live_sources():
        layer = by_name.get(source.layer)
        if layer is None:
            continue
        for stream_id in source.datastreams(db):
            layers.setdefault(stream_id, []).append(layer)
    return layers


def start_cursor(db: Session, registry: Registry, shown: list[MapLayer]) -> Cursor:
    """Where a viewer's stream starts; `shown` are the map layers the viewer may see."""
    streams = {
        stream_id: (thing, name, (unit or {}).get("symbol", "") if isinstance(unit, dict) else "")
        for stream_id, thing, name, unit in db.execute(
            select(Datastream.id, Thing.name, Datastream.name, Datastream.unit_of_measurement).join(
                Thing, Thing.id == Datastream.thing_id
            )
        )
    }
    last = db.scalar(select(func.max(Observation.id))) or 0
    return Cursor(last, streams, _layers_of(db, registry, shown))


def _result(observation: Observation) -> str:
    if observation.result_number is not None:
        value = f"{observation.result_number:.2f}".rstrip("0").rstrip(".")
        return value.replace(".", ",") if i18n.current_language.get() == "de" else value
    if observation.result_boolean is not None:
        return i18n.gettext_("yes") if observation.result_boolean else i18n.gettext_("no")
    return str(observation.result_string or observation.result_json or "")[:60]


def _line(cursor: Cursor, observation: Observation, local: ZoneInfo) -> str:
    stream_id = observation.datastream_id or 0
    thing, name, unit = cursor.streams.get(stream_id, ("", f"#{stream_id}", ""))
    at = observation.phenomenon_time_start.astimezone(local).strftime("%H:%M:%S")
    # "Bank Altmarkt: Lufttemperatur", not "Bank Altmarkt: Lufttemperatur Bank Altmarkt".
    if thing and name != thing and name.endswith(" " + thing):
        name = name.removesuffix(thing).rstrip()
    return f"{at} – {thing}: {name} = {_result(observation)} {unit}".strip()


def recent(db: Session, cursor: Cursor, zone: str, count: int = 12) -> list[str]:
    """The newest readings, newest first: what the page shows before the stream adds more."""
    found = db.scalars(
        select(Observation)
        .where(Observation.id <= cursor.last_id, Observation.datastream_id.is_not(None))
        .order_by(Observation.id.desc())
        .limit(count)
    )
    local = ZoneInfo(zone)
    return [_line(cursor, observation, local) for observation in found]


def poll(db: Session, registry: Registry, cursor: Cursor, zone: str) -> dict[str, Any] | None:
    found = list(
        db.scalars(
            select(Observation)
            .where(Observation.id > cursor.last_id, Observation.datastream_id.is_not(None))
            .order_by(Observation.id)
            .limit(MAX_PER_POLL)
        )
    )
    if not found:
        return None
    cursor.last_id = found[-1].id
    local = ZoneInfo(zone)
    lines = []
    touched: dict[str, MapLayer] = {}
    for observation in found[-20:]:
        lines.append(_line(cursor, observation, local))
    for observation in found:
        for layer in cursor.layers.get(observation.datastream_id or 0, ()):
            touched[layer.name] = layer
    features: list[dict[str, Any]] = []
    for layer in touched.values():
        features += registry.features(layer, db)
    return {"lines": lines, "features": features, "count": len(found)}


async def stream(
    platform: Platform,
    registry: Registry,
    municipality: Municipality,
    language: i18n.Language,
    shown: list[MapLayer],
) -> AsyncIterator[str]:
    scope = scope_for(municipality)
    zone = municipality.timezone

    def run(work: Any) -> Any:
        i18n.current_language.set(language)
        with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
            return work(db)

    cursor: Cursor = await run_in_threadpool(run, lambda db: start_cursor(db, registry, shown))
    yield "retry: 3000\n\n"
    quiet = 0.0
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < MAX_STREAM_SECONDS:
        await asyncio.sleep(POLL_SECONDS)
        update = await run_in_threadpool(run, lambda db: poll(db, registry, cursor, zone))
        if update is None:
            quiet += POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": still here\n\n"
            continue
        quiet = 0.0
        for line in update["lines"][:-1]:
            yield _event({"text": line, "features": []})
        yield _event({"text": update["lines"][-1], "features": update["features"]})


def _event(data: dict[str, Any]) -> str:
    return f"event: observation\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
