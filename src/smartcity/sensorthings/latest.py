"""The newest Observation of every Datastream of a Thing or a whole municipality
(FROST-Server #287, #2096). One index seek per Datastream on (datastream_id,
phenomenon_time_start), so the answer time does not grow with the Observations table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.sensorthings import models


def _newest_id() -> Any:
    """The id of a Datastream's newest Observation, correlated to the Datastream row."""
    return (
        select(models.Observation.id)
        .where(models.Observation.datastream_id == models.Datastream.id)
        .order_by(models.Observation.phenomenon_time_start.desc(), models.Observation.id.desc())
        .limit(1)
        .correlate(models.Datastream)
        .scalar_subquery()
    )


def latest_observations(
    db: Session,
    *,
    thing_id: int | None = None,
    visible: Any = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[tuple[models.Datastream, models.Observation | None]]:
    newest = _newest_id()
    query = select(models.Datastream, newest.label("newest_id")).order_by(models.Datastream.id)
    if thing_id is not None:
        query = query.where(models.Datastream.thing_id == thing_id)
    if visible is not None:
        query = query.where(visible("Datastream"))
    rows = db.execute(query.limit(limit).offset(offset)).all()
    wanted = [row.newest_id for row in rows if row.newest_id is not None]
    observations = {
        observation.id: observation
        for observation in db.scalars(
            select(models.Observation).where(models.Observation.id.in_(wanted))
        )
    }
    return [(row[0], observations.get(row.newest_id)) for row in rows]


def _newest_rows(db: Session, datastream_ids: Iterable[int], *columns: Any) -> Any:
    """Datastream id, time and `columns` of the newest Observation of each Datastream that
    has one; one index seek each."""
    newest_ids = select(_newest_id()).where(models.Datastream.id.in_(sorted(set(datastream_ids))))
    return db.execute(
        select(
            models.Observation.datastream_id, models.Observation.phenomenon_time_start, *columns
        ).where(models.Observation.id.in_(newest_ids))
    )


def newest_results(
    db: Session, datastream_ids: Iterable[int]
) -> dict[int, tuple[datetime, float | bool | None]]:
    """Time and result (number or boolean) of the newest Observation of each Datastream that
    has one, by Datastream id."""
    wanted = list(datastream_ids)
    if not wanted:
        return {}
    rows = _newest_rows(
        db, wanted, models.Observation.result_number, models.Observation.result_boolean
    )
    return {
        row.datastream_id: (
            row.phenomenon_time_start,
            row.result_number if row.result_number is not None else row.result_boolean,
        )
        for row in rows
    }


def newest_texts(db: Session, datastream_ids: Iterable[int]) -> dict[int, tuple[datetime, str]]:
    """Time and text result of the newest Observation of each Datastream that has one (a
    status word; a JSON string result counts as text, anything else as "")."""
    wanted = list(datastream_ids)
    if not wanted:
        return {}
    rows = _newest_rows(
        db, wanted, models.Observation.result_string, models.Observation.result_json
    )
    found: dict[int, tuple[datetime, str]] = {}
    for datastream_id, at, text, other in rows:
        if datastream_id is not None:
            found[datastream_id] = (
                at,
                text if text is not None else other if isinstance(other, str) else "",
            )
    return found
