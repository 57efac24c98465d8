"""The defect reports on the map: the last 89 days' reports with a place, open or done."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases.models import Case
from smartcity.core.db import utcnow
from smartcity.core.geojson import Feature, point
from smartcity.core.web.i18n import day, gettext_
from smartcity.open311 import services

REPORTS_SHOWN_FOR = timedelta(days=89)


def report_features(db: Session) -> list[Feature]:
    found = services.search(db, services.Search(start=utcnow() - REPORTS_SHOWN_FOR))
    case_ids = [r.case_id for r in found if r.case_id is not None]
    closed = set(
        db.scalars(select(Case.id).where(Case.id.in_(case_ids), Case.closed_at.is_not(None)))
    )
    features = []
    for report in found:
        if report.lat is None or report.lon is None:
            continue
        is_closed = report.case_id in closed
        features.append(
            point(
                report.lat,
                report.lon,
                {
                    "kind": "report",
                    "id": report.id,
                    "title": report.category.name,
                    "state": "closed" if is_closed else "open",
                    "text": (gettext_("done") if is_closed else gettext_("open"))
                    + " · "
                    + day(report.requested_at.date()),
                },
            )
        )
    return features
