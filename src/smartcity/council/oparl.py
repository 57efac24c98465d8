"""The council's records as OParl 1.1 objects and object lists (https://oparl.org/spezifikation/).

One System per instance (`/oparl/v1.1`), one Body per municipality (`/{m}/oparl/v1.1/body`),
each object at `/{m}/oparl/v1.1/<kind>/<id>` and each external list at `/{m}/oparl/v1.1/<kind>`.
Ids are the row ids, which never change. What OParl shows is decided by `listed` (public and
not deleted) and `tombstoned` (deleted, or withdrawn after it was public): tombstones answer with
`deleted: true` and appear in lists only when the client asks with `modified_since`; anything
else (a non-public item that was never public) does not exist for OParl. Embedded objects never
include tombstones and leave out the reference back to the object they are embedded in.
Properties without a value are left out, never `null` or empty (except the required lists).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, inspect, or_, select, true
from sqlalchemy.orm import Mapper, Session, aliased

from smartcity.core.db import among
from smartcity.core.errors import ServiceError
from smartcity.core.tenancy.models import Municipality
from smartcity.council.models import (
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
from smartcity.council.session import oparl_votes

SCHEMA = "https://schema.oparl.org/1.1/"
VERSION_PATH = "oparl/v1.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")

Doc = dict[str, Any]
# A row of `plain(model)`: the model's columns as attributes (typed loosely: rows of several
# models pass through the same code).
Record = Any


class OParlError(ServiceError):
    """An error answered as OParl's error object (specification, "Ausnahmebehandlung")."""

    status = 404
    title = "Not found"
    type_slug = "not-found"


class BadRequest(OParlError):
    status = 400
    title = "Bad request"
    type_slug = "bad-request"


def error_document(error: OParlError) -> Doc:
    return {"type": SCHEMA + "Error", "message": error.detail, "debug": error.title}


@dataclass(frozen=True)
class Urls:
    """The URLs of one Body's objects, below the instance's public URL."""

    public_url: str
    slug: str
    zone: ZoneInfo

    @classmethod
    def of(cls, public_url: str, municipality: Municipality) -> Urls:
        return cls(public_url, municipality.slug, ZoneInfo(municipality.timezone))

    @property
    def system(self) -> str:
        return f"{self.public_url}/{VERSION_PATH}"

    @property
    def body(self) -> str:
        return f"{self.public_url}/{self.slug}/{VERSION_PATH}/body"

    def list(self, segment: str) -> str:
        return f"{self.public_url}/{self.slug}/{VERSION_PATH}/{segment}"

    def object(self, segment: str, row_id: int) -> str:
        return f"{self.list(segment)}/{row_id}"

    def web(self, path: str = "") -> str:
        return f"{self.public_url}/{self.slug}/ratsinfo{path}"

    def moment(self, value: datetime) -> str:
        return value.astimezone(self.zone).isoformat(timespec="seconds")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def plain(model: type[Tracked]) -> Select[Any]:
    """All of a model's columns as plain rows (attribute access by column name) instead of ORM
    objects: a page embeds up to a thousand objects, and building an ORM object per row (its
    state, identity map entry, attribute instrumentation) took longer than the queries. The
    columns are the mapped attributes, so the session's tenant scope still applies."""
    return _plain(inspect(model))


# Built once per model, keyed by its mapper (a class is hashable, but mypy cannot tell of a
# `type[Tracked]`); a statement is immutable, so every page may share it.
@cache
def _plain(mapper: Mapper[Any]) -> Select[Any]:
    return select(*(getattr(mapper.class_, c.key) for c in mapper.column_attrs))


def clean(document: Mapping[str, Any]) -> Doc:
    """Leave out what has no value (OParl: no `null`, no empty string, no empty list)."""
    return {k: v for k, v in document.items() if v is not None and v != "" and v != []}


# ---- what OParl shows ------------------------------------------------------------------------


def _paper_listed(paper: type[Paper] | Any = Paper) -> ColumnElement[bool]:
    return and_(paper.public.is_(True), paper.deleted.is_(False))


def _item_listed(item: type[AgendaItem] | Any = AgendaItem) -> ColumnElement[bool]:
    return and_(item.public.is_(True), item.deleted.is_(False))


# The rules below are built once: a statement is immutable, and making the aliases anew cost a
# few milliseconds per page. The session adds the tenant scope to them at every execution.
@cache
def _file_listed(*, correlated: bool = False) -> ColumnElement[bool]:
    # `IN (subquery)`, not a correlated `EXISTS` under `OR`: PostgreSQL runs both as a hashed
    # subplan, but estimates the `EXISTS` at one probe per row — over 30,000 files a cost far
    # above `jit_above_cost`, and half a second of JIT compiling per list page (bench/oparl.py).
    # The parents as `id + 0`: SQLite, once it has statistics, would otherwise answer each
    # `IS NULL OR IN (…)` with its parent index, one probe per listed parent and then every
    # file row (thousands, their texts included), instead of reading `ix_council_file_listing`.
    # `correlated`: for the few files of a page's objects (`Writer._files_of`), each parent
    # is looked up by its key instead of every listed parent of the Body being collected.
    paper = aliased(Paper)
    item = aliased(AgendaItem)
    meeting = aliased(Meeting)

    def parent(column: Any, model: Any, listed: ColumnElement[bool]) -> ColumnElement[bool]:
        if correlated:
            found = select(model.id).where(model.id == column, listed).exists()
        else:
            found = (column + 0).in_(select(model.id).where(listed))
        return or_(column.is_(None), found)

    return and_(
        CouncilFile.public.is_(True),
        CouncilFile.deleted.is_(False),
        CouncilFile.stored_file_id.is_not(None),
        parent(CouncilFile.paper_id, paper, _paper_listed(paper)),
        parent(CouncilFile.agenda_item_id, item, _item_listed(item)),
        parent(CouncilFile.meeting_id, meeting, meeting.deleted.is_(False)),
    )


@cache
def _consultation_listed(*, correlated: bool = False) -> ColumnElement[bool]:
    # `paper_id + 0`, as for files: SQLite would otherwise probe the paper index once per listed
    # paper rather than use the index of what the query is about (its agenda items, its page).
    # `correlated`: for the consultations of a page's agenda items, as for files.
    paper = aliased(Paper)
    if correlated:
        found = select(paper.id).where(paper.id == Consultation.paper_id, _paper_listed(paper))
        return and_(Consultation.deleted.is_(False), found.exists())
    return and_(
        Consultation.deleted.is_(False),
        (Consultation.paper_id + 0).in_(select(paper.id).where(_paper_listed(paper))),
    )


@cache
def _consultation_known() -> ColumnElement[bool]:
    paper = aliased(Paper)
    return Consultation.paper_id.in_(select(paper.id).where(paper.was_public.is_(True)))


@dataclass(frozen=True)
class Kind:
    """One OParl object type: its URL segment, its rows, and what of them OParl shows."""

    name: str
    segment: str
    model: type[Tracked]
    listed: Callable[[], ColumnElement[bool]]
    # Rows answered as deleted (beyond `listed`): a tombstone, or withdrawn after publication.
    known: Callable[[], ColumnElement[bool]]
    # `listed` for a few rows chosen by key, where it differs: their parents looked up by key
    # instead of every listed parent of the Body being collected.
    listed_by_key: Callable[[], ColumnElement[bool]] | None = None

    def listed_few(self) -> ColumnElement[bool]:
        return (self.listed_by_key or self.listed)()


def _not_deleted(model: type[Tracked]) -> Callable[[], ColumnElement[bool]]:
    return lambda: model.deleted.is_(False)


def _always() -> ColumnElement[bool]:
    return true()


KINDS: dict[str, Kind] = {
    kind.segment: kind
    for kind in (
        Kind("Organization", "organization", Organization, _not_deleted(Organization), _always),
        Kind("Person", "person", Person, _not_deleted(Person), _always),
        Kind("Meeting", "meeting", Meeting, _not_deleted(Meeting), _always),
        Kind("Paper", "paper", Paper, _paper_listed, lambda: Paper.was_public.is_(True)),
        Kind(
            "LegislativeTerm",
            "legislativeterm",
            LegislativeTerm,
            _not_deleted(LegislativeTerm),
            _always,
        ),
        Kind(
            "AgendaItem",
            "agendaitem",
            AgendaItem,
            _item_listed,
            lambda: AgendaItem.was_public.is_(True),
        ),
        Kind(
            "Consultation",
            "consultation",
            Consultation,
            _consultation_listed,
            _consultation_known,
            lambda: _consultation_listed(correlated=True),
        ),
        Kind(
            "File",
            "file",
            CouncilFile,
            _file_listed,
            lambda: CouncilFile.was_public.is_(True),
            lambda: _file_listed(correlated=True),
        ),
        Kind("Location", "location", CouncilLocation, _not_deleted(CouncilLocation), _always),
        Kind("Membership", "membership", Membership, _not_deleted(Membership), _always),
    )
}


def kind_of(segment: str) -> Kind:
    kind = KINDS.get(segment)
    if kind is None:
        raise OParlError(f"Eine Objektliste „{segment}“ gibt es nicht.")
    return kind


# ---- serialising -------------------------------------------------------------------------------


class Writer:
    """Turns rows of one Body into OParl documents, loading what they embed and reference in
    one query per relation and page (not one per object)."""

    def __init__(self, db: Session, urls: Urls, *, omit_internal: bool = False) -> None:
        self.db = db
        self.urls = urls
        self.omit_internal = omit_internal

    # -- common parts

    def _head(self, kind: str, segment: str, row: Record) -> Doc:
        return {
            "id": self.urls.object(segment, row.id),
            "type": SCHEMA + kind,
            "created": self.urls.moment(row.created_at),
            "modified": self.urls.moment(row.modified_at),
        }

    def tombstone(self, kind: Kind, row: Record) -> Doc:
        return {**self._head(kind.name, kind.segment, row), "deleted": True}

    def _ref(self, segment: str, row_id: int | None) -> str | None:
        return self.urls.object(segment, row_id) if row_id else None

    def _listed_ids(self, kind: str, ids: Iterable[int | None]) -> set[int]:
        wanted = {i for i in ids if i}
        if not wanted:
            return set()
        found = KINDS[kind]
        return set(
            self.db.scalars(
                select(found.model.id).where(among(self.db, found.model.id, wanted), found.listed())
            )
        )

    # -- documents by kind

    def documents(self, kind: Kind, rows: Sequence[Record], *, visible: set[int]) -> list[Doc]:
        """Documents for rows of one kind; rows not in `visible` become tombstones."""
        shown = [row for row in rows if row.id in visible]
        made = dict(zip((r.id for r in shown), self._make(kind, shown), strict=True))
        return [made[row.id] if row.id in made else self.tombstone(kind, row) for row in rows]

    def _make(self, kind: Kind, rows: Sequence[Any]) -> list[Doc]:
        builders: dict[str, Callable[[Sequence[Any]], list[Doc]]] = {
            "organization": self.organizations,
            "person": self.persons,
            "meeting": self.meetings,
            "paper": self.papers,
            "legislativeterm": lambda rs: [self.legislative_term(r) for r in rs],
            "agendaitem": lambda rs: self.agenda_items(rs, embedded=False),
            "consultation": lambda rs: self.consultations(rs, embedded=False),
            "file": lambda rs: self.files(rs, embedded=False),
            "location": lambda rs: [self.location(r) for r in rs],
            "membership": lambda rs: self.memberships(rs, embedded=False),
        }
        return builders[kind.segment](rows)

    def body(self, municipality: Municipality, modified: datetime) -> Doc:
        urls = self.urls
        terms = self.db.execute(
            plain(LegislativeTerm)
            .where(
                LegislativeTerm.municipality_id == municipality.id,
                LegislativeTerm.deleted.is_(False),
            )
            .order_by(LegislativeTerm.start_date, LegislativeTerm.id)
        ).all()
        document = clean(
            {
                "id": urls.body,
                "type": SCHEMA + "Body",
                "system": urls.system,
                "name": municipality.name,
                "shortName": municipality.name,
                "website": f"{urls.public_url}/{municipality.slug}",
                "ags": municipality.ags,
                "organization": urls.list("organization"),
                "person": urls.list("person"),
                "meeting": urls.list("meeting"),
                "paper": urls.list("paper"),
                "agendaItem": urls.list("agendaitem"),
                "consultation": urls.list("consultation"),
                "file": urls.list("file"),
                "locationList": urls.list("location"),
                "legislativeTermList": urls.list("legislativeterm"),
                "membership": urls.list("membership"),
                "classification": "Gemeinde",
                "web": urls.web(),
                "created": urls.moment(municipality.created_at),
                "modified": urls.moment(modified),
            }
        )
        # Required, so present even when empty.
        document["legislativeTerm"] = (
            [] if self.omit_internal else [self.legislative_term(t, embedded=True) for t in terms]
        )
        return document

    def legislative_term(self, row: Record, *, embedded: bool = False) -> Doc:
        return clean(
            {
                **self._head("LegislativeTerm", "legislativeterm", row),
                "body": None if embedded else self.urls.body,
                "name": row.name,
                "startDate": _day(row.start_date),
                "endDate": _day(row.end_date),
            }
        )

    def location(self, row: Record) -> Doc:
        geojson = None
        if row.latitude is not None and row.longitude is not None:
            geojson = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
                "properties": {"name": row.description},
            }
        return clean(
            {
                **self._head("Location", "location", row),
                "description": row.description,
                "geojson": geojson,
                "streetAddress": row.street_address,
                "room": row.room,
                "postalCode": row.postal_code,
                "locality": row.locality,
            }
        )

    def _locations(self, ids: Iterable[int | None]) -> dict[int, Doc]:
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        rows = self.db.execute(
            plain(CouncilLocation).where(
                among(self.db, CouncilLocation.id, wanted), CouncilLocation.deleted.is_(False)
            )
        )
        return {row.id: self.location(row) for row in rows}

    def organizations(self, rows: Sequence[Record]) -> list[Doc]:
        ids = [row.id for row in rows]
        memberships: dict[int, list[int]] = defaultdict(list)
        for membership_id, organization_id in self.db.execute(
            select(Membership.id, Membership.organization_id)
            .where(among(self.db, Membership.organization_id, ids), Membership.deleted.is_(False))
            .order_by(Membership.id)
        ):
            memberships[organization_id].append(membership_id)
        parents = self._listed_ids("organization", (r.sub_organization_of_id for r in rows))
        locations = self._locations(r.location_id for r in rows)
        return [
            clean(
                {
                    **self._head("Organization", "organization", row),
                    "body": self.urls.body,
                    "name": row.name,
                    "shortName": row.short_name,
                    "membership": [self.urls.object("membership", m) for m in memberships[row.id]],
                    "meeting": f"{self.urls.object('organization', row.id)}/meeting",
                    "organizationType": row.organization_type,
                    "classification": row.classification,
                    "startDate": _day(row.start_date),
                    "endDate": _day(row.end_date),
                    "subOrganizationOf": self._ref(
                        "organization",
                        row.sub_organization_of_id
                        if row.sub_organization_of_id in parents
                        else None,
                    ),
                    "website": row.website,
                    "location": locations.get(row.location_id or 0),
                    "web": self.urls.web(f"/gremien/{row.id}"),
                }
            )
            for row in rows
        ]

    def memberships(self, rows: Sequence[Record], *, embedded: bool) -> list[Doc]:
        organizations = self._listed_ids(
            "organization",
            [r.organization_id for r in rows] + [r.on_behalf_of_id for r in rows],
        )
        return [
            clean(
                {
                    **self._head("Membership", "membership", row),
                    "person": None if embedded else self._ref("person", row.person_id),
                    "organization": self._ref(
                        "organization",
                        row.organization_id if row.organization_id in organizations else None,
                    ),
                    "role": row.role,
                    "votingRight": row.voting_right,
                    "startDate": _day(row.start_date),
                    "endDate": _day(row.end_date),
                    "onBehalfOf": self._ref(
                        "organization",
                        row.on_behalf_of_id if row.on_behalf_of_id in organizations else None,
                    ),
                }
            )
            for row in rows
        ]

    def persons(self, rows: Sequence[Record]) -> list[Doc]:
        embedded: dict[int, list[Doc]] = defaultdict(list)
        if not self.omit_internal and rows:
            found = self.db.execute(
                plain(Membership)
                .where(
                    among(self.db, Membership.person_id, [r.id for r in rows]),
                    Membership.deleted.is_(False),
                )
                .order_by(Membership.id)
            ).all()
            for membership, document in zip(
                found, self.memberships(found, embedded=True), strict=True
            ):
                embedded[membership.person_id].append(document)
        return [
            clean(
                {
                    **self._head("Person", "person", row),
                    "body": self.urls.body,
                    "name": row.name,
                    "familyName": row.family_name,
                    "givenName": row.given_name,
                    "formOfAddress": row.form_of_address,
                    "affix": row.affix,
                    "title": [row.title] if row.title else None,
                    "gender": row.gender,
                    "life": row.life,
                    "lifeSource": row.life_source,
                    "membership": embedded[row.id],
                    "web": self.urls.web(f"/personen/{row.id}"),
                }
            )
            for row in rows
        ]

    def _files_of(self, column: Any, ids: Sequence[int]) -> dict[int, list[Record]]:
        found: dict[int, list[Record]] = defaultdict(list)
        if not ids:
            return found
        # Sorted here, not by the query: an `ORDER BY id` leads SQLite to walk all files in id
        # order rather than look up the page's parents in their index.
        rows = self.db.execute(
            plain(CouncilFile).where(among(self.db, column, ids), _file_listed(correlated=True))
        ).all()
        for row in sorted(rows, key=lambda r: r.id):
            found[getattr(row, column.key)].append(row)
        return found

    def _file_slots(self, files: list[Record], *slots: str) -> dict[str, Any]:
        """A parent's files by the property that holds them (`auxiliaryFile` a list)."""
        if not files:
            return {}  # what `clean` would leave of the empty slots; most agenda items have none
        documents = dict(zip((f.id for f in files), self.files(files, embedded=True), strict=True))
        result: dict[str, Any] = {}
        for slot in slots:
            chosen = [documents[f.id] for f in files if f.role == slot]
            if slot == "auxiliaryFile":
                result[slot] = None if self.omit_internal else chosen
            else:
                result[slot] = chosen[0] if chosen else None
        return result

    def files(self, rows: Sequence[Record], *, embedded: bool) -> list[Doc]:
        documents = []
        for row in rows:
            url = self.urls.object("file", row.id)
            documents.append(
                clean(
                    {
                        **self._head("File", "file", row),
                        "name": row.name,
                        "fileName": row.file_name,
                        "mimeType": row.mime_type,
                        "date": _day(row.date),
                        "size": row.size,
                        "sha512Checksum": row.sha512,
                        "text": row.text,
                        "accessUrl": f"{url}/access",
                        "downloadUrl": f"{url}/download/{quote(row.file_name)}",
                        "fileLicense": row.license,
                        "meeting": None
                        if embedded or not row.meeting_id
                        else [self.urls.object("meeting", row.meeting_id)],
                        "agendaItem": None
                        if embedded or not row.agenda_item_id
                        else [self.urls.object("agendaitem", row.agenda_item_id)],
                        "paper": None
                        if embedded or not row.paper_id
                        else [self.urls.object("paper", row.paper_id)],
                    }
                )
            )
        return documents

    def meetings(self, rows: Sequence[Record]) -> list[Doc]:
        ids = [row.id for row in rows]
        organizations: dict[int, list[int]] = defaultdict(list)
        listed_orgs = Organization.deleted.is_(False)
        for meeting_id, organization_id in self.db.execute(
            select(MeetingOrganization.meeting_id, MeetingOrganization.organization_id)
            .join(Organization, Organization.id == MeetingOrganization.organization_id)
            .where(among(self.db, MeetingOrganization.meeting_id, ids), listed_orgs)
            .order_by(MeetingOrganization.id)
        ):
            organizations[meeting_id].append(organization_id)
        items: dict[int, list[Doc]] = defaultdict(list)
        if not self.omit_internal and ids:
            found = self.db.execute(
                plain(AgendaItem)
                .where(among(self.db, AgendaItem.meeting_id, ids), _item_listed())
                .order_by(AgendaItem.meeting_id, AgendaItem.order, AgendaItem.id)
            ).all()
            for item, document in zip(found, self.agenda_items(found, embedded=True), strict=True):
                items[item.meeting_id].append(document)
        files = self._files_of(CouncilFile.meeting_id, ids)
        locations = self._locations(r.location_id for r in rows)
        return [
            clean(
                {
                    **self._head("Meeting", "meeting", row),
                    "name": row.name,
                    "meetingState": row.meeting_state,
                    "cancelled": True if row.cancelled else None,
                    "start": self.urls.moment(row.start),
                    "end": self.urls.moment(row.end) if row.end else None,
                    "location": locations.get(row.location_id or 0),
                    "organization": [
                        self.urls.object("organization", o) for o in organizations[row.id]
                    ],
                    **self._file_slots(
                        files[row.id],
                        "invitation",
                        "resultsProtocol",
                        "verbatimProtocol",
                        "auxiliaryFile",
                    ),
                    "agendaItem": items[row.id],
                    "web": self.urls.web(f"/sitzungen/{row.id}"),
                }
            )
            for row in rows
        ]

    def agenda_items(self, rows: Sequence[Record], *, embedded: bool) -> list[Doc]:
        ids = [row.id for row in rows]
        consultations: dict[int, int] = {}
        if ids:
            # The first consultation of each item; no `ORDER BY` (see `_files_of`).
            for consultation_id, item_id in self.db.execute(
                select(Consultation.id, Consultation.agenda_item_id).where(
                    among(self.db, Consultation.agenda_item_id, ids),
                    _consultation_listed(correlated=True),
                )
            ):
                if item_id is not None:
                    consultations[item_id] = min(
                        consultation_id, consultations.get(item_id, consultation_id)
                    )
        files = self._files_of(CouncilFile.agenda_item_id, ids)
        # The votes on each item: a documented vendor extension (docs/council.md).
        votes = oparl_votes.votes_of_items(
            self.db, ids, ref=self.urls.object, moment=self.urls.moment
        )
        return [
            clean(
                {
                    **self._head("AgendaItem", "agendaitem", row),
                    "meeting": None if embedded else self._ref("meeting", row.meeting_id),
                    "number": row.number,
                    "order": row.order,
                    "name": row.name,
                    "public": row.public,
                    "consultation": self._ref("consultation", consultations.get(row.id)),
                    "result": row.result,
                    "resolutionText": row.resolution_text,
                    **self._file_slots(files[row.id], "resolutionFile", "auxiliaryFile"),
                    "start": self.urls.moment(row.start) if row.start else None,
                    "end": self.urls.moment(row.end) if row.end else None,
                    "web": self.urls.web(f"/sitzungen/{row.meeting_id}#top-{row.id}"),
                    oparl_votes.PROPERTY: votes.get(row.id),
                }
            )
            for row in rows
        ]

    def consultations(self, rows: Sequence[Record], *, embedded: bool) -> list[Doc]:
        items = {
            item.id: item.meeting_id
            for item in self.db.execute(
                select(AgendaItem.id, AgendaItem.meeting_id).where(
                    among(
                        self.db, AgendaItem.id, (r.agenda_item_id for r in rows if r.agenda_item_id)
                    ),
                    _item_listed(),
                )
            )
        }
        organizations = self._listed_ids("organization", (r.organization_id for r in rows))
        return [
            clean(
                {
                    **self._head("Consultation", "consultation", row),
                    "paper": None if embedded else self._ref("paper", row.paper_id),
                    "agendaItem": self._ref(
                        "agendaitem", row.agenda_item_id if row.agenda_item_id in items else None
                    ),
                    "meeting": self._ref("meeting", items.get(row.agenda_item_id or 0)),
                    "organization": [self.urls.object("organization", row.organization_id)]
                    if row.organization_id in organizations
                    else None,
                    "authoritative": row.authoritative,
                    "role": row.role,
                }
            )
            for row in rows
        ]

    def papers(self, rows: Sequence[Record]) -> list[Doc]:
        ids = [row.id for row in rows]
        consultations: dict[int, list[Doc]] = defaultdict(list)
        if ids:
            found = self.db.execute(
                plain(Consultation)
                .where(among(self.db, Consultation.paper_id, ids), Consultation.deleted.is_(False))
                .order_by(Consultation.id)
            ).all()
            for consultation, document in zip(
                found, self.consultations(found, embedded=True), strict=True
            ):
                consultations[consultation.paper_id].append(document)
        files = self._files_of(CouncilFile.paper_id, ids)
        organizations = self._listed_ids(
            "organization",
            [r.under_direction_of_id for r in rows] + [r.originator_organization_id for r in rows],
        )
        persons = self._listed_ids("person", (r.originator_person_id for r in rows))

        def refs(segment: str, row_id: int | None, allowed: set[int]) -> list[str] | None:
            return [self.urls.object(segment, row_id)] if row_id in allowed and row_id else None

        return [
            clean(
                {
                    **self._head("Paper", "paper", row),
                    "body": self.urls.body,
                    "name": row.name,
                    "reference": row.reference,
                    "date": _day(row.date),
                    "paperType": row.paper_type,
                    **self._file_slots(files[row.id], "mainFile", "auxiliaryFile"),
                    "originatorPerson": refs("person", row.originator_person_id, persons),
                    "underDirectionOf": refs(
                        "organization", row.under_direction_of_id, organizations
                    ),
                    "originatorOrganization": refs(
                        "organization", row.originator_organization_id, organizations
                    ),
                    "consultation": consultations[row.id],
                    "web": self.urls.web(f"/vorlagen/{row.id}"),
                }
            )
            for row in rows
        ]


# ---- lists and filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """A list request: its filters, page and page size, as the client sent them."""

    page: int = 1
    limit: int = DEFAULT_LIMIT
    created_since: datetime | None = None
    created_until: datetime | None = None
    modified_since: datetime | None = None
    modified_until: datetime | None = None
    omit_internal: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListQuery:
        moments: dict[str, datetime | None] = {}
        for name in FILTERS:
            text = params.get(name)
            moments[name] = _moment(name, text) if text is not None else None
        return cls(
            page=_positive("page", params.get("page"), 1),
            limit=min(_positive("limit", params.get("limit"), DEFAULT_LIMIT), MAX_LIMIT),
            omit_internal=params.get("omit_internal", "").lower() == "true",
            **moments,
        )

    def conditions(self, model: type[Tracked]) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.created_since:
            found.append(model.created_at >= self.created_since)
        if self.created_until:
            found.append(model.created_at <= self.created_until)
        if self.modified_since:
            found.append(model.modified_at >= self.modified_since)
        if self.modified_until:
            found.append(model.modified_at <= self.modified_until)
        return found

    def link(self, base: str, page: int) -> str:
        """The URL of another page of this list, with the client's filters kept."""
        params: list[tuple[str, str]] = []
        for name in FILTERS:
            value = getattr(self, name)
            if value is not None:
                params.append((name, value.isoformat()))
        if self.limit != DEFAULT_LIMIT:
            params.append(("limit", str(self.limit)))
        if self.omit_internal:
            params.append(("omit_internal", "true"))
        if page > 1:
            params.append(("page", str(page)))
        return f"{base}?{urlencode(params)}" if params else base


def _moment(name: str, text: str) -> datetime:
    # A "+" sent unencoded arrives as a space.
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise BadRequest(
            f"„{name}“ muss ein Zeitpunkt sein, etwa 2024-01-31T18:00:00+01:00."
        ) from None
    if value.tzinfo is None:
        raise BadRequest(f"„{name}“ braucht eine Zeitzone, etwa 2024-01-31T18:00:00+01:00.")
    return value


def _positive(name: str, text: str | None, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdecimal() or int(text) < 1 or len(text) > 9:
        raise BadRequest(f"„{name}“ muss eine positive ganze Zahl sein.")
    return int(text)


def list_page(
    db: Session,
    writer: Writer,
    kind: Kind,
    query: ListQuery,
    base: str,
    *,
    narrow: Sequence[ColumnElement[bool]] = (),
    web: str | None = None,
) -> Doc:
    """One page of an external object list, ordered by id (stable)."""
    model = kind.model
    shown: ColumnElement[bool] = kind.listed()
    if query.modified_since is not None:
        # The update mechanism: deleted objects too, so that clients learn of them.
        shown = or_(shown, kind.known())
    # The page's ids first, then their rows: the filters and the order need only a few narrow
    # columns (for files all in `ix_council_file_listing`), and only the page's rows are read.
    chosen: Select[Any] = select(model.id).where(shown, *query.conditions(model), *narrow)
    total = db.scalar(select(func.count()).select_from(chosen.subquery())) or 0
    pages = max(1, -(-total // query.limit))
    ids = list(
        db.scalars(
            chosen.order_by(model.id).offset((query.page - 1) * query.limit).limit(query.limit)
        )
    )
    by_id = [among(db, model.id, ids)]
    if query.modified_since is None:
        # Listed still: on PostgreSQL each statement sees what was committed before it, and an
        # object unpublished between the two must not be served in full (it is left out).
        by_id.append(kind.listed_few())
    rows = db.execute(plain(model).where(*by_id).order_by(model.id)).all() if ids else []
    if query.modified_since is None:
        visible = {row.id for row in rows}  # without the update mechanism only listed ones
    else:
        visible = set(db.scalars(select(model.id).where(among(db, model.id, ids), kind.listed())))
    links = {"first": query.link(base, 1), "self": query.link(base, query.page)}
    if query.page > 1:
        links["prev"] = query.link(base, min(query.page - 1, pages))
    if query.page < pages:
        links["next"] = query.link(base, query.page + 1)
    links["last"] = query.link(base, pages)
    if web:
        links["web"] = web
    return {
        "data": writer.documents(kind, rows, visible=visible),
        "pagination": {
            "totalElements": total,
            "elementsPerPage": query.limit,
            "currentPage": query.page,
            "totalPages": pages,
        },
        "links": links,
    }


def one(db: Session, writer: Writer, kind: Kind, row_id: int) -> Doc:
    """An object by its id: the object, its tombstone, or OParlError (404)."""
    model = kind.model
    row = db.execute(
        plain(model).where(model.id == row_id, or_(kind.listed(), kind.known()))
    ).first()
    if row is None:
        raise OParlError(f"Ein Objekt {kind.name} {row_id} gibt es nicht.")
    listed = db.scalar(select(model.id).where(model.id == row_id, kind.listed()))
    return writer.documents(kind, [row], visible={listed} if listed else set())[0]


def body_modified(db: Session, municipality: Municipality) -> datetime:
    """The Body changes with its embedded legislative terms."""
    newest = db.scalar(
        select(func.max(LegislativeTerm.modified_at)).where(
            LegislativeTerm.municipality_id == municipality.id
        )
    )
    return max(municipality.created_at, newest) if newest else municipality.created_at


def organization_meetings(organization_id: int) -> list[ColumnElement[bool]]:
    return [
        select(MeetingOrganization.id)
        .where(
            MeetingOrganization.meeting_id == Meeting.id,
            MeetingOrganization.organization_id == organization_id,
        )
        .exists()
    ]
