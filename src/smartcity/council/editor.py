"""The back office's forms for the council's records: which fields each kind of entry has, how a
posted form becomes values, and which choices a field offers. One editor serves every kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.web.deps import row_id
from smartcity.core.web.i18n import _
from smartcity.council.models import (
    MEETING_STATES,
    ORGANIZATION_TYPES,
    AgendaItem,
    Consultation,
    CouncilLocation,
    LegislativeTerm,
    Meeting,
    Membership,
    Organization,
    Paper,
    Person,
    Tracked,
)

Choices = Callable[[Session], list[tuple[str, str]]]


def organization_choices(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(Organization).where(Organization.deleted.is_(False)).order_by(Organization.name)
    )
    return [(str(r.id), r.name) for r in rows]


def _persons(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(Person).where(Person.deleted.is_(False)).order_by(Person.family_name, Person.name)
    )
    return [(str(r.id), r.name) for r in rows]


def _locations(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(select(CouncilLocation).where(CouncilLocation.deleted.is_(False)))
    return [(str(r.id), r.description) for r in rows]


def _meetings(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(Meeting).where(Meeting.deleted.is_(False)).order_by(Meeting.start.desc())
    )
    return [(str(r.id), f"{r.name} ({r.start:%d.%m.%Y})") for r in rows]


def _papers(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(select(Paper).where(Paper.deleted.is_(False)).order_by(Paper.id.desc()))
    return [(str(r.id), f"{r.reference} {r.name}".strip()) for r in rows]


def _agenda_items(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.deleted.is_(False), Meeting.deleted.is_(False))
        .order_by(Meeting.start.desc(), AgendaItem.order)
    )
    return [
        (str(item.id), f"{meeting.start:%d.%m.%Y} {item.number} {item.name}")
        for item, meeting in rows
    ]


def _fixed(values: tuple[str, ...]) -> Choices:
    return lambda db: [(v, v) for v in values]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text, textarea, date, datetime, bool, int, float, select
    kind: str = "text"
    required: bool = False
    choices: Choices | None = None
    limit: int = 200
    # The model this id field refers to (checked to be of the municipality).
    refers: type[Tracked] | None = None


@dataclass(frozen=True)
class Editor:
    """The form of one kind of entry, at `/{m}/verwaltung/ratsinfo/<segment>`."""

    segment: str
    model: type[Tracked]
    title: str
    fields: tuple[Field, ...]
    # The page to return to after saving (a meeting's or paper's page), by the saved row.
    back: Callable[[Any], str] = field(default=lambda row: "")


EDITORS: dict[str, Editor] = {
    editor.segment: editor
    for editor in (
        Editor(
            "sitzungen",
            Meeting,
            _("Meeting"),
            (
                Field("name", _("Name"), required=True, limit=300),
                Field("start", _("Starts"), "datetime", required=True),
                Field("end", _("Ends"), "datetime"),
                Field("meeting_state", _("State"), "select", choices=_fixed(MEETING_STATES)),
                Field("cancelled", _("Cancelled"), "bool"),
                Field(
                    "location_id",
                    _("Place"),
                    "select",
                    choices=_locations,
                    refers=CouncilLocation,
                ),
            ),
            back=lambda row: f"sitzungen/{row.id}/ansicht",
        ),
        Editor(
            "tops",
            AgendaItem,
            _("Agenda item"),
            (
                Field(
                    "meeting_id",
                    _("Meeting"),
                    "select",
                    required=True,
                    choices=_meetings,
                    refers=Meeting,
                ),
                Field("number", _("Number"), limit=20),
                Field("order", _("Position in the agenda"), "int"),
                Field("name", _("Subject"), required=True, limit=500),
                Field("public", _("Public"), "bool"),
                Field("result", _("Result"), limit=100),
                Field("resolution_text", _("Resolution"), "textarea", limit=20_000),
            ),
            back=lambda row: f"sitzungen/{row.meeting_id}/ansicht",
        ),
        Editor(
            "vorlagen",
            Paper,
            _("Paper"),
            (
                Field("name", _("Title"), required=True, limit=500),
                Field("reference", _("Reference"), limit=50),
                Field("date", _("Date"), "date"),
                Field("paper_type", _("Type of paper"), limit=100),
                Field("public", _("Public"), "bool"),
                Field(
                    "under_direction_of_id",
                    _("Under the direction of"),
                    "select",
                    choices=organization_choices,
                    refers=Organization,
                ),
                Field(
                    "originator_organization_id",
                    _("Submitted by (organization)"),
                    "select",
                    choices=organization_choices,
                    refers=Organization,
                ),
                Field(
                    "originator_person_id",
                    _("Submitted by (person)"),
                    "select",
                    choices=_persons,
                    refers=Person,
                ),
            ),
            back=lambda row: f"vorlagen/{row.id}/ansicht",
        ),
        Editor(
            "beratungen",
            Consultation,
            _("Consultation"),
            (
                Field(
                    "paper_id", _("Paper"), "select", required=True, choices=_papers, refers=Paper
                ),
                Field(
                    "agenda_item_id",
                    _("Agenda item"),
                    "select",
                    choices=_agenda_items,
                    refers=AgendaItem,
                ),
                Field(
                    "organization_id",
                    _("Organization"),
                    "select",
                    choices=organization_choices,
                    refers=Organization,
                ),
                Field("authoritative", _("Decides (not only advises)"), "bool"),
                Field("role", _("Role"), limit=100),
            ),
            back=lambda row: f"vorlagen/{row.paper_id}/ansicht",
        ),
        Editor(
            "gremien",
            Organization,
            _("Organization"),
            (
                Field("name", _("Name"), required=True),
                Field("short_name", _("Short name"), limit=50),
                Field(
                    "organization_type",
                    _("Type"),
                    "select",
                    required=True,
                    choices=_fixed(ORGANIZATION_TYPES),
                ),
                Field("classification", _("Classification"), limit=100),
                Field("start_date", _("From"), "date"),
                Field("end_date", _("Until"), "date"),
                Field(
                    "sub_organization_of_id",
                    _("Part of"),
                    "select",
                    choices=organization_choices,
                    refers=Organization,
                ),
                Field(
                    "location_id",
                    _("Place"),
                    "select",
                    choices=_locations,
                    refers=CouncilLocation,
                ),
                Field("website", _("Website"), limit=300),
            ),
        ),
        Editor(
            "personen",
            Person,
            _("Person"),
            (
                Field("name", _("Name"), required=True),
                Field("given_name", _("Given name"), limit=100),
                Field("family_name", _("Family name"), limit=100),
                Field("form_of_address", _("Form of address"), limit=50),
                Field("title", _("Academic title"), limit=100),
                Field("affix", _("Name affix"), limit=100),
                Field("gender", _("Gender"), limit=20),
                Field("life", _("Short biography"), "textarea", limit=5_000),
                Field("life_source", _("Source of the biography"), limit=300),
            ),
        ),
        Editor(
            "mitgliedschaften",
            Membership,
            _("Membership"),
            (
                Field(
                    "person_id",
                    _("Person"),
                    "select",
                    required=True,
                    choices=_persons,
                    refers=Person,
                ),
                Field(
                    "organization_id",
                    _("Organization"),
                    "select",
                    required=True,
                    choices=organization_choices,
                    refers=Organization,
                ),
                Field("role", _("Role"), limit=100),
                Field("voting_right", _("Voting right"), "bool"),
                Field("start_date", _("From"), "date"),
                Field("end_date", _("Until"), "date"),
                Field(
                    "on_behalf_of_id",
                    _("On behalf of (faction)"),
                    "select",
                    choices=organization_choices,
                    refers=Organization,
                ),
            ),
        ),
        Editor(
            "orte",
            CouncilLocation,
            _("Place"),
            (
                Field("description", _("Description"), required=True, limit=300),
                Field("street_address", _("Street and number")),
                Field("room", _("Room"), limit=100),
                Field("postal_code", _("Postcode"), limit=10),
                Field("locality", _("Town"), limit=100),
                Field("latitude", _("Latitude"), "float"),
                Field("longitude", _("Longitude"), "float"),
            ),
        ),
        Editor(
            "wahlperioden",
            LegislativeTerm,
            _("Legislative term"),
            (
                Field("name", _("Name"), required=True),
                Field("start_date", _("From"), "date"),
                Field("end_date", _("Until"), "date"),
            ),
        ),
    )
}


def local_input(value: Any, zone: ZoneInfo) -> str:
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else ""
    return "" if value is None else str(value)


def values_of(editor: Editor, row: Tracked | None, zone: ZoneInfo) -> dict[str, str]:
    if row is None:
        return {"public": "1", "voting_right": "1"}
    return {f.name: local_input(getattr(row, f.name), zone) for f in editor.fields}


def parse(
    db: Session, editor: Editor, form: Mapping[str, str], zone: ZoneInfo
) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed values of a posted form and the errors (English message ids) by field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in editor.fields:
        text = (form.get(spec.name) or "").strip()[: spec.limit]
        if spec.kind == "bool":
            values[spec.name] = text in ("1", "on", "true")
            continue
        if not text:
            if spec.required:
                errors[spec.name] = _("Please fill in this field.")
            values[spec.name] = "" if spec.kind in ("text", "textarea") else None
            continue
        try:
            values[spec.name] = _typed(db, spec, text, zone)
        except ValueError as exc:
            errors[spec.name] = str(exc)
    if "organization_type" in values and values["organization_type"] is None:
        values["organization_type"] = ORGANIZATION_TYPES[0]
    if "meeting_state" in values and values["meeting_state"] is None:
        values["meeting_state"] = MEETING_STATES[0]
    if "order" in values and values["order"] is None:
        values["order"] = 0
    return values, errors


def _typed(db: Session, spec: Field, text: str, zone: ZoneInfo) -> Any:
    if spec.kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Please enter a date.")) from None
    if spec.kind == "datetime":
        try:
            return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            raise ValueError(_("Please enter a date and time.")) from None
    if spec.kind == "int":
        if not text.lstrip("-").isdecimal() or len(text) > 6:
            raise ValueError(_("Please enter a whole number."))
        return int(text)
    if spec.kind == "float":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(_("Please enter a number.")) from None
        if not -180 <= number <= 180:
            raise ValueError(_("Please enter a number."))
        return number
    if spec.kind == "select":
        if spec.refers is not None:
            found = row_id(text)
            row = db.get(spec.refers, found) if found else None
            if row is None or row.deleted:
                raise ValueError(_("Please choose one of the entries."))
            return found
        if spec.choices is not None and text not in {v for v, _label in spec.choices(db)}:
            raise ValueError(_("Please choose one of the entries."))
    return text
