"""Keeping the council's records: create, change and delete its objects, attach files.

Every change is audited and follows OParl's rules for `modified`: the changed object's and
that of every object it is embedded in (an agenda item's meeting, a membership's person, a
file's meeting, agenda item or paper, a location's meetings and organizations). Nothing is
removed: a deleted object stays as a tombstone; a deleted file loses its content.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.lookup import found_or_404
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.web.i18n import _, gettext_
from smartcity.council.models import (
    FILE_ROLES,
    AgendaItem,
    Consultation,
    CouncilFile,
    CouncilLocation,
    LegislativeTerm,
    Meeting,
    MeetingOrganization,
    Membership,
    Organization,
    Paper,
    Person,
    Tracked,
)
from smartcity.council.search import extract_text

T = TypeVar("T", bound=Tracked)
FILE_TYPES = frozenset({"application/pdf"})
OWNER_KIND = "council_file"
# Which roles a file may have in which parent.
ROLES_BY_PARENT = {
    "meeting": ("invitation", "resultsProtocol", "verbatimProtocol", "auxiliaryFile"),
    "agenda_item": ("resolutionFile", "auxiliaryFile"),
    "paper": ("mainFile", "auxiliaryFile"),
}
# Fields whose value is required, by table, with their limits.
REQUIRED: dict[str, tuple[str, ...]] = {
    "council_legislative_term": ("name",),
    "council_location": ("description",),
    "council_organization": ("name",),
    "council_person": ("name",),
    "council_meeting": ("name",),
    "council_agenda_item": ("name",),
    "council_paper": ("name",),
    "council_file": ("name",),
}


def get(db: Session, model: type[T], row_id: int) -> T:
    """A row of this municipality (deleted ones too; the back office shows them as such)."""
    return found_or_404(db.get(model, row_id), f"There is no {model.__tablename__} {row_id}.")


def meeting_or_404(db: Session, meeting_id: int) -> Meeting:
    """A meeting of this municipality that is not deleted (what the portal, the session and
    the office's pages around a meeting show); NotFound otherwise."""
    meeting = db.get(Meeting, meeting_id)
    if meeting is None or meeting.deleted:
        raise NotFound(gettext_("There is no such meeting."))
    return meeting


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _snapshot(row: Tracked, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def _check(row: Tracked) -> None:
    errors = {
        name: _("Please fill in this field.")
        for name in REQUIRED.get(row.__tablename__, ())
        if not str(getattr(row, name) or "").strip()
    }
    start, end = getattr(row, "start_date", None), getattr(row, "end_date", None)
    if start and end and end < start:
        errors["end_date"] = _("The end must not be before the start.")
    if isinstance(row, Meeting | AgendaItem) and row.start and row.end and row.end < row.start:
        errors["end"] = _("The end must not be before the start.")
    if errors:
        raise InvalidInput(_("Please check your entries."), errors=errors)


def touch_parents(db: Session, row: Tracked, now: datetime) -> None:
    """OParl: a change to an embedded object changes its parents' `modified`."""
    meetings: set[int] = set()
    if isinstance(row, AgendaItem):
        meetings.add(row.meeting_id)
        # Its consultations refer to it (or stop to, when it is no longer public).
        papers = select(Consultation.paper_id).where(Consultation.agenda_item_id == row.id)
        db.execute(
            update(Consultation)
            .where(Consultation.agenda_item_id == row.id)
            .values(modified_at=now)
        )
        db.execute(update(Paper).where(Paper.id.in_(papers)).values(modified_at=now))
    elif isinstance(row, Membership):
        db.execute(update(Person).where(Person.id == row.person_id).values(modified_at=now))
    elif isinstance(row, Consultation):
        db.execute(update(Paper).where(Paper.id == row.paper_id).values(modified_at=now))
    elif isinstance(row, CouncilFile):
        if row.meeting_id:
            meetings.add(row.meeting_id)
        if row.paper_id:
            db.execute(update(Paper).where(Paper.id == row.paper_id).values(modified_at=now))
        if row.agenda_item_id:
            item = db.get(AgendaItem, row.agenda_item_id)
            if item is not None:
                item.modified_at = now
                meetings.add(item.meeting_id)
    elif isinstance(row, CouncilLocation):
        meetings.update(db.scalars(select(Meeting.id).where(Meeting.location_id == row.id)))
        db.execute(
            update(Organization).where(Organization.location_id == row.id).values(modified_at=now)
        )
    if meetings:
        db.execute(update(Meeting).where(Meeting.id.in_(meetings)).values(modified_at=now))


def _changed(db: Session, row: Tracked) -> None:
    now = utcnow()
    row.modified_at = now
    if getattr(row, "public", False):
        row.was_public = True  # type: ignore[attr-defined]
    touch_parents(db, row, now)


def _fields(row: Tracked) -> list[str]:
    skip = {"id", "created_at", "modified_at", "municipality_id", "was_public"}
    return [c.key for c in row.__table__.columns if c.key not in skip]  # type: ignore[attr-defined]


def create(db: Session, row: T, *, actor: str) -> T:
    _check(row)
    db.add(row)
    db.flush()
    _changed(db, row)
    audit.record(
        db,
        actor=actor,
        action=f"{row.__tablename__}.create",
        resource_type=row.__tablename__,
        resource_id=row.id,
        changes=audit.summarize_changes(None, _snapshot(row, _fields(row))),
    )
    return row


def change(db: Session, row: T, values: Mapping[str, Any], *, actor: str) -> T:
    """Set `values` on the row; audited with the old and new values."""
    if row.deleted:
        raise InvalidInput(_("A deleted entry cannot be changed."))
    fields = list(values)
    before = _snapshot(row, fields)
    previous = {name: getattr(row, name) for name in fields}
    for name, value in values.items():
        setattr(row, name, value)
    try:
        _check(row)
    except InvalidInput:
        for name, value in previous.items():  # leave the row as it was
            setattr(row, name, value)
        raise
    after = _snapshot(row, fields)
    if before == after:
        return row
    db.flush()
    _changed(db, row)
    audit.record(
        db,
        actor=actor,
        action=f"{row.__tablename__}.update",
        resource_type=row.__tablename__,
        resource_id=row.id,
        changes=audit.summarize_changes(before, after),
    )
    return row


def delete(db: Session, row: Tracked, *, actor: str, data_dir: Path) -> list[Path]:
    """Delete a row and what belongs to it (an agenda item's files, a paper's consultations
    and files, a person's memberships) as tombstones; file content is removed. Returns the
    files to unlink once the transaction has committed."""
    paths: list[Path] = []
    if row.deleted:
        return paths
    dependants: list[Tracked] = []
    if isinstance(row, Meeting):
        items = db.scalars(select(AgendaItem).where(AgendaItem.meeting_id == row.id)).all()
        dependants += items
        dependants += db.scalars(
            select(CouncilFile).where(
                (CouncilFile.meeting_id == row.id)
                | CouncilFile.agenda_item_id.in_([i.id for i in items])
            )
        ).all()
    elif isinstance(row, AgendaItem):
        dependants += db.scalars(
            select(CouncilFile).where(CouncilFile.agenda_item_id == row.id)
        ).all()
        db.execute(
            update(Consultation)
            .where(Consultation.agenda_item_id == row.id)
            .values(agenda_item_id=None)
        )
    elif isinstance(row, Paper):
        dependants += db.scalars(select(Consultation).where(Consultation.paper_id == row.id)).all()
        dependants += db.scalars(select(CouncilFile).where(CouncilFile.paper_id == row.id)).all()
    elif isinstance(row, Person):
        dependants += db.scalars(select(Membership).where(Membership.person_id == row.id)).all()
    elif isinstance(row, Organization):
        dependants += db.scalars(
            select(Membership).where(Membership.organization_id == row.id)
        ).all()
    for found in [row, *dependants]:
        if found.deleted:
            continue
        found.deleted = True
        if isinstance(found, CouncilFile):
            paths += _remove_content(db, found, data_dir)
        _changed(db, found)
    audit.record(
        db,
        actor=actor,
        action=f"{row.__tablename__}.delete",
        resource_type=row.__tablename__,
        resource_id=row.id,
        changes={"deleted": {"old": False, "new": True}, "with": len(dependants)},
    )
    return paths


def _remove_content(db: Session, row: CouncilFile, data_dir: Path) -> list[Path]:
    if row.stored_file_id is None:
        return []
    stored = db.get(StoredFile, row.stored_file_id)
    row.stored_file_id = None
    row.text = ""
    if stored is None:
        return []
    return [uploads.remove(db, data_dir, stored)]


# ---- specific operations -------------------------------------------------------------------------


def set_meeting_organizations(
    db: Session, meeting: Meeting, organization_ids: Collection[int], *, actor: str
) -> None:
    existing = {
        link.organization_id: link
        for link in db.scalars(
            select(MeetingOrganization).where(MeetingOrganization.meeting_id == meeting.id)
        )
    }
    wanted = set(organization_ids)
    for organization_id in wanted - set(existing):
        get(db, Organization, organization_id)
        db.add(MeetingOrganization(meeting_id=meeting.id, organization_id=organization_id))
    for organization_id in set(existing) - wanted:
        db.delete(existing[organization_id])
    if wanted != set(existing):
        db.flush()
        meeting.modified_at = utcnow()
        audit.record(
            db,
            actor=actor,
            action="council_meeting.organizations",
            resource_type="council_meeting",
            resource_id=meeting.id,
            changes={"organization": {"old": sorted(existing), "new": sorted(wanted)}},
        )


@dataclass(frozen=True)
class Upload:
    file_name: str
    data: bytes


def attach_file(
    db: Session,
    *,
    parent: Meeting | AgendaItem | Paper,
    role: str,
    name: str,
    upload: Upload,
    public: bool,
    file_date: date | None,
    license: str,
    text: str = "",
    data_dir: Path,
    limits: uploads.UploadLimits,
    actor: str,
) -> CouncilFile:
    """A checked upload (PDF) as a file of a meeting, agenda item or paper; its text is
    extracted for search and OParl unless given."""
    parent_kind = (
        "meeting"
        if isinstance(parent, Meeting)
        else "agenda_item"
        if isinstance(parent, AgendaItem)
        else "paper"
    )
    if role not in ROLES_BY_PARENT[parent_kind] or role not in FILE_ROLES:
        raise InvalidInput("This kind of file does not belong here.", errors={"role": "invalid"})
    if parent.deleted:
        raise NotFound("This entry was deleted.")
    if role != "auxiliaryFile":
        # One invitation, one protocol, one main file: a new one replaces the old.
        previous = db.scalars(
            select(CouncilFile).where(
                getattr(CouncilFile, f"{parent_kind}_id") == parent.id,
                CouncilFile.role == role,
                CouncilFile.deleted.is_(False),
            )
        ).all()
    else:
        previous = []
    uploads.check_file(limits, upload.file_name, upload.data, FILE_TYPES)
    row = CouncilFile(
        name=name.strip() or uploads.safe_name(upload.file_name),
        file_name=uploads.safe_name(upload.file_name),
        mime_type="application/pdf",
        public=public,
        date=file_date,
        license=license,
        text=text or extract_text(upload.data),
        role=role,
        **{f"{parent_kind}_id": parent.id},
    )
    create(db, row, actor=actor)
    stored = uploads.store(
        db,
        data_dir=data_dir,
        limits=limits,
        municipality_id=row.municipality_id,
        owner_kind=OWNER_KIND,
        owner_id=row.id,
        name=upload.file_name,
        data=upload.data,
        allowed=FILE_TYPES,
    )
    row.stored_file_id = stored.id
    row.size = stored.size
    row.sha512 = stored.sha512
    row.mime_type = stored.content_type
    for old in previous:
        delete(db, old, actor=actor, data_dir=data_dir)
    return row


def stored_of(db: Session, row: CouncilFile) -> StoredFile:
    stored = db.get(StoredFile, row.stored_file_id) if row.stored_file_id else None
    if stored is None:
        raise NotFound("This file has no content.")
    return stored


# ---- reading for the pages -------------------------------------------------------------------


def organizations(db: Session) -> list[Organization]:
    return list(
        db.scalars(
            select(Organization)
            .where(Organization.deleted.is_(False))
            .order_by(Organization.organization_type, Organization.name)
        )
    )


def persons(db: Session) -> list[Person]:
    return list(
        db.scalars(
            select(Person)
            .where(Person.deleted.is_(False))
            .order_by(Person.family_name, Person.name)
        )
    )


def locations(db: Session) -> list[CouncilLocation]:
    return list(db.scalars(select(CouncilLocation).where(CouncilLocation.deleted.is_(False))))


def terms(db: Session) -> list[LegislativeTerm]:
    return list(
        db.scalars(
            select(LegislativeTerm)
            .where(LegislativeTerm.deleted.is_(False))
            .order_by(LegislativeTerm.start_date)
        )
    )
