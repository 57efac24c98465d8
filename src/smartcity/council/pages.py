"""The council's pages. On the portal (`/{m}/ratsinfo`): the meeting calendar, each meeting with
its public agenda, papers with their files and consultations, organizations and persons, and
the meetings as iCalendar. In the back office (`/{m}/verwaltung/ratsinfo`): everything including
the non-public items for councillors and the council office, and the council office's editor."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.http.deps import (
    IdPath,
    MunicipalityDep,
    PlatformDep,
    PortalDep,
    TenantDbDep,
    public,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.forms import field_errors
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.council import editor as forms
from smartcity.council import feeds, following
from smartcity.council import following_pages as follow_pages
from smartcity.council import office_pages as office
from smartcity.council import services as council
from smartcity.council.models import (
    AgendaItem,
    Consultation,
    CouncilFile,
    CouncilLocation,
    Meeting,
    MeetingOrganization,
    Membership,
    Organization,
    Paper,
    Person,
    Tracked,
)
from smartcity.council.oparl import KINDS
from smartcity.council.permissions import COUNCIL_CONFIDENTIAL, COUNCIL_MANAGE

portal_pages = APIRouter(prefix="/{municipality}/ratsinfo", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/ratsinfo", include_in_schema=False)
Reader = Annotated[WebState, Depends(staff_page(COUNCIL_CONFIDENTIAL))]
Manager = Annotated[WebState, Depends(staff_page(COUNCIL_MANAGE))]

ROLE_LABELS = {
    "invitation": _("Invitation"),
    "resultsProtocol": _("Minutes of the results"),
    "verbatimProtocol": _("Verbatim minutes"),
    "auxiliaryFile": _("Attachment"),
    "mainFile": _("Main document"),
    "resolutionFile": _("Resolution"),
}
PAGE_SIZE = 50


def _zone(municipality: Municipality) -> ZoneInfo:
    return ZoneInfo(municipality.timezone)


# ---- what the portal shows (the same rules as OParl) ---------------------------------------


def _public_paper(db: Session, paper_id: int) -> Paper:
    paper = db.scalar(select(Paper).where(Paper.id == paper_id, KINDS["paper"].listed()))
    if paper is None:
        raise NotFound(gettext_("There is no such paper."))
    return paper


def _files(db: Session, *, listed_only: bool, **parent: int) -> list[CouncilFile]:
    statement = select(CouncilFile).where(
        *(getattr(CouncilFile, name) == value for name, value in parent.items()),
        CouncilFile.deleted.is_(False),
    )
    if listed_only:
        statement = statement.where(KINDS["file"].listed())
    return list(db.scalars(statement.order_by(CouncilFile.id)))


def _organizations_of(db: Session, meeting_ids: list[int]) -> dict[int, list[Organization]]:
    found: dict[int, list[Organization]] = defaultdict(list)
    for meeting_id, organization in db.execute(
        select(MeetingOrganization.meeting_id, Organization)
        .join(Organization, Organization.id == MeetingOrganization.organization_id)
        .where(MeetingOrganization.meeting_id.in_(meeting_ids), Organization.deleted.is_(False))
    ):
        found[meeting_id].append(organization)
    return found


def _agenda(db: Session, meeting: Meeting, *, public_only: bool) -> list[dict[str, Any]]:
    statement = select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False)
    )
    if public_only:
        statement = statement.where(AgendaItem.public.is_(True))
    items = list(db.scalars(statement.order_by(AgendaItem.order, AgendaItem.id)))
    papers: dict[int, list[Paper]] = defaultdict(list)
    if items:
        paper_filter = KINDS["paper"].listed() if public_only else Paper.deleted.is_(False)
        for item_id, paper in db.execute(
            select(Consultation.agenda_item_id, Paper)
            .join(Paper, Paper.id == Consultation.paper_id)
            .where(
                Consultation.agenda_item_id.in_([i.id for i in items]),
                Consultation.deleted.is_(False),
                paper_filter,
            )
        ):
            if item_id is not None:
                papers[item_id].append(paper)
    return [
        {
            "item": item,
            "papers": papers[item.id],
            "files": _files(db, listed_only=public_only, agenda_item_id=item.id),
        }
        for item in items
    ]


def _file_url(municipality: Municipality, row: CouncilFile, *, internal: bool) -> str:
    if internal:
        return f"/{municipality.slug}/verwaltung/ratsinfo/dateien/{row.id}"
    return f"/{municipality.slug}/oparl/v1.1/file/{row.id}/access"


# ---- portal --------------------------------------------------------------------------------


@portal_pages.get("")
def calendar(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    now = utcnow()
    listed = Meeting.deleted.is_(False)
    upcoming = list(
        db.scalars(select(Meeting).where(listed, Meeting.start >= now).order_by(Meeting.start))
    )
    past = list(
        db.scalars(
            select(Meeting)
            .where(listed, Meeting.start < now)
            .order_by(Meeting.start.desc())
            .limit(PAGE_SIZE)
        )
    )
    return render(
        request,
        "council/calendar.html",
        state,
        upcoming=upcoming,
        past=past,
        organizations=_organizations_of(db, [m.id for m in upcoming + past]),
        zone=municipality.timezone,
        **layout.portal(request, municipality, "ratsinfo", gettext_("Council")),
    )


@portal_pages.get("/sitzungen.ics", dependencies=[Depends(public)])
def meetings_ics(db: TenantDbDep, municipality: MunicipalityDep, platform: PlatformDep) -> Response:
    base = f"{platform.settings.effective_public_url}/{municipality.slug}/ratsinfo"
    name = f"Ratsinformationen {municipality.name}"
    return Response(
        feeds.feed(db, municipality, name, feeds.body_meetings(db), base),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@portal_pages.get("/sitzungen/{meeting_id}")
def meeting_page(
    request: Request,
    meeting_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    return _meeting(request, state, db, municipality, meeting, internal=False)


def _meeting(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    meeting: Meeting,
    *,
    internal: bool,
) -> Response:
    files = _files(db, listed_only=not internal, meeting_id=meeting.id)
    context = (
        layout.staff(request, municipality, state.principal, "ratsinfo", meeting.name)
        if internal
        else layout.portal(request, municipality, "ratsinfo", meeting.name)
    )
    streaming = office.meeting_media(db, meeting, _zone(municipality), internal=internal)
    response = render(
        request,
        "council/meeting.html",
        state,
        meeting=meeting,
        place=db.get(CouncilLocation, meeting.location_id) if meeting.location_id else None,
        organizations=_organizations_of(db, [meeting.id])[meeting.id],
        agenda=_agenda(db, meeting, public_only=not internal),
        files=files,
        roles=ROLE_LABELS,
        internal=internal,
        manage=internal and state.principal.can(COUNCIL_MANAGE),
        file_url=lambda row: _file_url(municipality, row, internal=internal),
        zone=municipality.timezone,
        **streaming,
        **context,
    )
    # The city's streaming server may serve this page's player, no other origin.
    response.headers["Content-Security-Policy"] = office.media_policy(streaming["media_origins"])
    return response


@portal_pages.get("/vorlagen")
def papers(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    seite: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    listed = KINDS["paper"].listed()
    total = db.scalar(select(func.count()).select_from(Paper).where(listed)) or 0
    rows = db.scalars(
        select(Paper)
        .where(listed)
        .order_by(Paper.date.desc(), Paper.id.desc())
        .offset((seite - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "council/papers.html",
        state,
        papers=rows,
        page=seite,
        pages=max(1, -(-total // PAGE_SIZE)),
        **layout.portal(request, municipality, "ratsinfo", gettext_("Papers")),
    )


@portal_pages.get("/vorlagen/{paper_id}")
def paper_page(
    request: Request,
    paper_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    paper = _public_paper(db, paper_id)
    follow = follow_pages.box(db, municipality, paper, citizen)
    return _paper(request, state, db, municipality, paper, internal=False, follow=follow)


def _paper(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    paper: Paper,
    *,
    internal: bool,
    follow: follow_pages.FollowBox | None = None,
) -> Response:
    rows = db.execute(
        select(Consultation, AgendaItem, Meeting, Organization)
        .outerjoin(
            AgendaItem,
            and_(
                AgendaItem.id == Consultation.agenda_item_id,
                AgendaItem.deleted.is_(False),
                AgendaItem.public.is_(True) if not internal else AgendaItem.id.is_not(None),
            ),
        )
        .outerjoin(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(Organization, Organization.id == Consultation.organization_id)
        .where(Consultation.paper_id == paper.id, Consultation.deleted.is_(False))
        .order_by(Consultation.id)
    ).all()
    context = (
        layout.staff(request, municipality, state.principal, "ratsinfo", paper.name)
        if internal
        else layout.portal(request, municipality, "ratsinfo", paper.name)
    )
    return render(
        request,
        "council/paper.html",
        state,
        paper=paper,
        consultations=rows,
        files=_files(db, listed_only=not internal, paper_id=paper.id),
        originator=db.get(Organization, paper.originator_organization_id)
        if paper.originator_organization_id
        else None,
        originator_person=db.get(Person, paper.originator_person_id)
        if paper.originator_person_id
        else None,
        direction=db.get(Organization, paper.under_direction_of_id)
        if paper.under_direction_of_id
        else None,
        follow=follow,
        roles=ROLE_LABELS,
        internal=internal,
        manage=internal and state.principal.can(COUNCIL_MANAGE),
        file_url=lambda row: _file_url(municipality, row, internal=internal),
        zone=municipality.timezone,
        **context,
    )


@portal_pages.get("/gremien")
def organizations(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    grouped: dict[str, list[Organization]] = defaultdict(list)
    for organization in council.organizations(db):
        grouped[organization.organization_type].append(organization)
    return render(
        request,
        "council/organizations.html",
        state,
        grouped=grouped,
        persons=council.persons(db),
        **layout.portal(request, municipality, "ratsinfo", gettext_("Committees and factions")),
    )


def _memberships(db: Session, **where: int) -> list[tuple[Membership, Person, Organization]]:
    return [
        (membership, person, organization)
        for membership, person, organization in db.execute(
            select(Membership, Person, Organization)
            .join(Person, Person.id == Membership.person_id)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(
                *(getattr(Membership, k) == v for k, v in where.items()),
                Membership.deleted.is_(False),
                Person.deleted.is_(False),
                Organization.deleted.is_(False),
            )
            .order_by(Person.family_name, Organization.name)
        )
    ]


@portal_pages.get("/gremien/{organization_id}")
def organization_page(
    request: Request,
    organization_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    organization = db.get(Organization, organization_id)
    if organization is None or organization.deleted:
        raise NotFound(gettext_("There is no such organization."))
    meetings = list(
        db.scalars(
            select(Meeting)
            .join(MeetingOrganization, MeetingOrganization.meeting_id == Meeting.id)
            .where(
                MeetingOrganization.organization_id == organization.id,
                Meeting.deleted.is_(False),
            )
            .order_by(Meeting.start.desc())
            .limit(PAGE_SIZE)
        )
    )
    return render(
        request,
        "council/organization.html",
        state,
        organization=organization,
        members=_memberships(db, organization_id=organization.id),
        meetings=meetings,
        follow=follow_pages.box(db, municipality, organization, citizen),
        zone=municipality.timezone,
        **layout.portal(request, municipality, "ratsinfo", organization.name),
    )


@portal_pages.get("/personen/{person_id}")
def person_page(
    request: Request,
    person_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    person = db.get(Person, person_id)
    if person is None or person.deleted:
        raise NotFound(gettext_("There is no such person."))
    return render(
        request,
        "council/person.html",
        state,
        person=person,
        memberships=_memberships(db, person_id=person.id),
        **layout.portal(request, municipality, "ratsinfo", person.name),
    )


# ---- back office ---------------------------------------------------------------------------


@staff_pages.get("")
def overview(
    request: Request, state: Reader, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "council/staff_overview.html",
        state,
        meetings=list(db.scalars(select(Meeting).order_by(Meeting.start.desc()).limit(200))),
        papers=list(db.scalars(select(Paper).order_by(Paper.id.desc()).limit(200))),
        organizations=council.organizations(db),
        persons=council.persons(db),
        locations=council.locations(db),
        terms=council.terms(db),
        manage=state.principal.can(COUNCIL_MANAGE),
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "ratsinfo", gettext_("Council")),
    )


@staff_pages.get("/sitzungen/{meeting_id}/ansicht")
def staff_meeting(
    request: Request,
    meeting_id: IdPath,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.get(db, Meeting, meeting_id)
    return _meeting(request, state, db, municipality, meeting, internal=True)


@staff_pages.get("/vorlagen/{paper_id}/ansicht")
def staff_paper(
    request: Request,
    paper_id: IdPath,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    paper = council.get(db, Paper, paper_id)
    return _paper(request, state, db, municipality, paper, internal=True)


@staff_pages.get("/dateien/{file_id}")
def staff_file(file_id: IdPath, state: Reader, db: TenantDbDep, portal: PortalDep) -> Response:
    row = council.get(db, CouncilFile, file_id)
    stored = council.stored_of(db, row)
    return Response(
        uploads.read(portal.data_dir, stored),
        media_type=row.mime_type,
        headers={
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _editor_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    editor: forms.Editor,
    row: Tracked | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    title = gettext_(editor.title)
    linked: set[str] = set()
    if isinstance(row, Meeting):
        linked = {
            str(i)
            for i in db.scalars(
                select(MeetingOrganization.organization_id).where(
                    MeetingOrganization.meeting_id == row.id
                )
            )
        }
    return render(
        request,
        "council/staff_edit.html",
        state,
        status_code=status_code,
        editor=editor,
        row=row,
        fields=[(spec, spec.choices(db) if spec.choices else []) for spec in editor.fields],
        values=values,
        errors=errors,
        labels={spec.name: gettext_(spec.label) for spec in editor.fields},
        # A meeting's organizations: checkboxes below the fields.
        organizations=forms.organization_choices(db) if editor.model is Meeting else [],
        linked=linked,
        **layout.staff(request, municipality, state.principal, "ratsinfo", title),
    )


def _editor_of(segment: str) -> forms.Editor:
    found = forms.EDITORS.get(segment)
    if found is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    return found


@staff_pages.get("/{segment}/neu")
def new_entry(
    request: Request,
    segment: str,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    editor = _editor_of(segment)
    values = forms.values_of(editor, None, _zone(municipality))
    for spec in editor.fields:  # pre-filled from a link ("add an agenda item to this meeting")
        given = request.query_params.get(spec.name)
        if given and len(given) <= spec.limit:
            values[spec.name] = given
    return _editor_page(request, state, db, municipality, editor, None, values, {})


@staff_pages.get("/{segment}/{row_id}")
def edit_entry(
    request: Request,
    segment: str,
    row_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    editor = _editor_of(segment)
    row = council.get(db, editor.model, row_id)
    values = forms.values_of(editor, row, _zone(municipality))
    return _editor_page(request, state, db, municipality, editor, row, values, {})


def _save(
    request: Request,
    state: WebState,
    form: Any,
    db: Session,
    municipality: Municipality,
    editor: forms.Editor,
    row: Tracked | None,
) -> Response:
    zone = _zone(municipality)
    raw = {spec.name: form_text(form, spec.name, spec.limit) for spec in editor.fields}
    values, errors = forms.parse(db, editor, raw, zone)
    before = following.published(db, row)
    try:
        if errors:
            raise InvalidInput("form", errors=errors)
        if row is None:
            row = council.create(db, editor.model(**values), actor=state.principal.actor)
        else:
            council.change(db, row, values, actor=state.principal.actor)
        if isinstance(row, Meeting):
            chosen = {int(v) for v in form.getlist("organizations") if str(v).isdecimal()}
            known = {int(v) for v, _label in forms.organization_choices(db)}
            council.set_meeting_organizations(db, row, chosen & known, actor=state.principal.actor)
        # Followers hear of a new meeting of their committee, a paper on a public agenda.
        following.after_edit(db, row, before, follow_pages.mailing(request, municipality))
    except InvalidInput as exc:
        shown = field_errors(exc, fallback="name")
        return _editor_page(
            request, state, db, municipality, editor, row, raw, shown, status_code=422
        )
    target = editor.back(row) or ""
    base = f"/{municipality.slug}/verwaltung/ratsinfo"
    return RedirectResponse(f"{base}/{target}" if target else base, status_code=303)


@staff_pages.post("/{segment}/neu")
def create_entry(
    request: Request,
    segment: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    editor = _editor_of(segment)
    return _save(request, state, form, db, municipality, editor, None)


@staff_pages.post("/{segment}/{row_id}")
def update_entry(
    request: Request,
    segment: str,
    row_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    editor = _editor_of(segment)
    row = council.get(db, editor.model, row_id)
    return _save(request, state, form, db, municipality, editor, row)


@staff_pages.post("/{segment}/{row_id}/loeschen")
def delete_entry(
    request: Request,
    segment: str,
    row_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> Response:
    if segment == "dateien":
        row: Tracked = council.get(db, CouncilFile, row_id)
    else:
        row = council.get(db, _editor_of(segment).model, row_id)
    paths = council.delete(db, row, actor=state.principal.actor, data_dir=portal.data_dir)
    following.forget(db, row)  # nobody follows what is gone
    background.add_task(uploads.unlink_all, paths)  # after the commit
    return RedirectResponse(f"/{municipality.slug}/verwaltung/ratsinfo", status_code=303)


@staff_pages.post("/{segment}/{row_id}/dateien")
def upload_file(
    request: Request,
    segment: str,
    row_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
) -> Response:
    parents: dict[str, type[Meeting] | type[Paper] | type[AgendaItem]] = {
        "sitzungen": Meeting,
        "vorlagen": Paper,
        "tops": AgendaItem,
    }
    if segment not in parents:
        raise NotFound(gettext_("This page or entry does not exist."))
    parent = council.get(db, parents[segment], row_id)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput(gettext_("Please choose a PDF file."))
    data = upload.file.read(portal.limits.max_bytes + 1)
    added = council.attach_file(
        db,
        parent=parent,
        role=form_text(form, "role", 20),
        name=form_text(form, "name", 300),
        upload=council.Upload(upload.filename, data),
        public=form_text(form, "public", 5) in ("1", "on"),
        file_date=utcnow().date(),
        license=form_text(form, "license", 300),
        data_dir=portal.data_dir,
        limits=portal.limits,
        actor=state.principal.actor,
    )
    following.file_published(db, added, follow_pages.mailing(request, municipality))
    meeting_id = parent.meeting_id if isinstance(parent, AgendaItem) else parent.id
    page = "vorlagen" if isinstance(parent, Paper) else "sitzungen"
    target = parent.id if isinstance(parent, Paper) else meeting_id
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/ratsinfo/{page}/{target}/ansicht", status_code=303
    )
