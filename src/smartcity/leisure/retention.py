"""How long a facility keeps its buyers' data: each facility's `retention_days` after the visit
(`leisure_order.visit_ends_at`), after which the order's e-mail address and citizen login are
anonymised. The booking itself, its tickets and the counts stay for the statistics and the
cash reports.

The period is one number per facility, not one for the whole declaration, so the
platform's retention run (`smartcity.privacy`) leaves these rows to `RETENTION`: its dry run
counts per municipality what is due, and `apply` anonymises exactly that. An order under a
legal hold (a restriction, a dispute) waits until the hold ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from smartcity.core import holds
from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput
from smartcity.core.modules import ERASE_ANONYMISE, Removal, Removed, RetentionJob
from smartcity.core.platform import Platform
from smartcity.core.web.i18n import gettext_
from smartcity.leisure.models import Facility, Order

NAME = "leisure.retention"
LABEL = "buyer of a ticket: the facility's period after the visit (30 days unless set)"
DEFAULT_DAYS = 30
# At least a week, so that a complaint after the visit can still be answered; at most a year:
# nothing about a visit needs the buyer's address longer (accounting keeps the amounts, which
# stay).
MIN_DAYS = 7
MAX_DAYS = 365
# Orders anonymised by one statement (a bound list stays well within every database's limit).
BATCH = 500


def set_period(db: Session, facility: Facility, days: int | None, actor: str) -> Facility:
    """Set how many days after the visit the facility's buyers' data is kept; InvalidInput
    (field `retention_days`) outside MIN_DAYS to MAX_DAYS, changing nothing."""
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        message = gettext_(
            "Keep the buyers' data for %(min)s to %(max)s days after the visit (a whole number)."
        ) % {"min": MIN_DAYS, "max": MAX_DAYS}
        raise InvalidInput(message, errors={"retention_days": message})
    if days != facility.retention_days:
        audit.record(
            db,
            actor=actor,
            action="leisure.facility.update",
            resource_type="leisure_facility",
            resource_id=facility.id,
            changes={"retention_days": {"old": facility.retention_days, "new": days}},
        )
        facility.retention_days = days
    return facility


def _not_anonymised() -> ColumnElement[bool]:
    return or_(Order.email.is_not(None), Order.citizen_subject.is_not(None))


def _due(db: Session, now: datetime) -> ColumnElement[bool]:
    """Orders of the session's municipality whose facility's period after the visit has run
    out at `now` and that still hold the buyer's data."""
    periods = db.execute(select(Facility.id, Facility.retention_days)).all()
    ran_out = [
        and_(Order.facility_id == facility_id, Order.visit_ends_at <= now - timedelta(days=days))
        for facility_id, days in periods
    ]
    return and_(or_(*ran_out) if ran_out else false(), _not_anonymised())


def plan(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run: the orders due at `now`, those under a legal hold counted as held."""
    due = _due(db, now)
    total = db.scalar(select(func.count()).select_from(Order).where(due)) or 0
    if not total:
        return []
    held = sorted(holds.held_keys(db, Order.__tablename__))
    blocked = 0
    if held:
        blocked = (
            db.scalar(select(func.count()).select_from(Order).where(due, Order.id.in_(held))) or 0
        )
    return [Removal(Order.__tablename__, LABEL, ERASE_ANONYMISE, total - blocked, blocked)]


def apply(platform: Platform, db: Session, now: datetime) -> Removed:
    """Anonymise the buyer's data of the orders due at `now` (what `plan` counted), except
    held ones; the audit log gets the count, never an address."""
    found = list(db.scalars(select(Order.id).where(_due(db, now))))
    kept = holds.held(db, Order.__tablename__, found)
    keys = [key for key in found if key not in kept]
    for start in range(0, len(keys), BATCH):
        db.execute(
            update(Order)
            .where(Order.id.in_(keys[start : start + BATCH]))
            .values(email=None, citizen_subject=None)
            .execution_options(synchronize_session=False)
        )
    if keys:
        audit.record(
            db,
            actor="system",
            action="leisure.retention.anonymise",
            resource_type="retention",
            resource_id=Order.__tablename__,
            changes={"rows": len(keys)},
        )
    return Removed(
        [Removal(Order.__tablename__, LABEL, ERASE_ANONYMISE, len(keys), len(kept))]
        if keys or kept
        else []
    )


RETENTION = RetentionJob(NAME, plan, apply)
