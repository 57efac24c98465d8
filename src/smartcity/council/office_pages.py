"""Pages of the council office's services around the meetings, and the citizen's search and
calendars. Portal: search across papers and their files' texts (`/{m}/ratsinfo/suche`), the
iCalendar feeds per organization and person, a meeting's chapters as WebVTT. Back office:
sending a meeting's invitations, its stream, recording and chapters, a member's contact
address and consent to be streamed, and the search including non-public papers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.http.deps import (
    IdPath,
    MunicipalityDep,
    PlatformDep,
    TenantDbDep,
    public,
)
from smartcity.core.http.middleware import CONTENT_SECURITY_POLICY, content_security_policy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.forms import field_errors, submit
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.council import feeds, following, invitations, media, search
from smartcity.council import services as council
from smartcity.council.editor import local_input
from smartcity.council.following_pages import mailing
from smartcity.council.models import AgendaItem, Meeting, Organization, Person
from smartcity.council.permissions import COUNCIL_CONFIDENTIAL, COUNCIL_MANAGE

office_portal = APIRouter(prefix="/{municipality}/ratsinfo", include_in_schema=False)
office_static = APIRouter(include_in_schema=False)
office_staff = APIRouter(prefix="/{municipality}/verwaltung/ratsinfo", include_in_schema=False)
Reader = Annotated[WebState, Depends(staff_page(COUNCIL_CONFIDENTIAL))]
Manager = Annotated[WebState, Depends(staff_page(COUNCIL_MANAGE))]
CALENDAR = "text/calendar; charset=utf-8"
STATIC = Path(__file__).parent / "static"
# The player's scripts: ours and hls.js 1.7.4 (Apache-2.0, static/hls.js/LICENSE), from npm.
SCRIPTS = {
    "council-player.js": STATIC / "council-player.js",
    "hls.light.min.js": STATIC / "hls.js" / "hls.light.min.js",
}


def _portal_url(platform: Any, municipality: Municipality) -> str:
    return f"{platform.settings.effective_public_url}/{municipality.slug}/ratsinfo"


def _calendar(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=CALENDAR,
        headers={
            "Cache-Control": "public, max-age=300",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


def media_policy(origins: list[str]) -> str:
    """The platform's content security policy, with the streaming server's origins allowed
    for media (and for the HLS player's segment requests)."""
    if not origins:
        return CONTENT_SECURITY_POLICY
    return content_security_policy({"connect-src": origins, "media-src": ["blob:", *origins]})


def meeting_media(
    db: Session, meeting: Meeting, zone: ZoneInfo, *, internal: bool
) -> dict[str, Any]:
    """What a meeting's page shows of its stream and recording (and, in the back office, who
    has not consented to be streamed)."""
    found = media.media_of(db, meeting.id)
    context: dict[str, Any] = {
        "media": found,
        "chapters": media.chapters(db, meeting, found, public_only=not internal)
        if found and found.recording_url
        else [],
        "media_origins": media.origins(found),
    }
    if internal:
        context["without_consent"] = media.without_consent(db, meeting, zone)
    return context


@office_static.get("/static/council-media/{name}", dependencies=[Depends(public)])
def player_script(name: str) -> Response:
    path = SCRIPTS.get(name)
    if path is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    return FileResponse(
        path,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ---- portal --------------------------------------------------------------------------------


@office_portal.get("/suche")
def search_page(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
) -> Response:
    return _search(request, state, db, municipality, q, internal=False)


def _search(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    query: str,
    *,
    internal: bool,
) -> Response:
    hits = search.search(db, query, confidential=internal) if query.strip() else []
    title = gettext_("Search the council's papers")
    context = (
        layout.staff(request, municipality, state.principal, "ratsinfo", title)
        if internal
        else layout.portal(request, municipality, "ratsinfo", title)
    )
    return render(
        request,
        "council/search.html",
        state,
        query=query,
        searched=bool(query.strip()),
        hits=hits,
        internal=internal,
        **context,
    )


@office_portal.get("/gremien/{organization_id}/sitzungen.ics", dependencies=[Depends(public)])
def organization_ics(
    organization_id: IdPath, db: TenantDbDep, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    organization = db.get(Organization, organization_id)
    if organization is None or organization.deleted:
        raise NotFound(gettext_("There is no such organization."))
    data = feeds.feed(
        db,
        municipality,
        f"{organization.name} – {municipality.name}",
        feeds.organization_meetings(db, organization.id),
        _portal_url(platform, municipality),
    )
    return _calendar(data, f"gremium-{organization.id}.ics")


@office_portal.get("/personen/{person_id}/sitzungen.ics", dependencies=[Depends(public)])
def person_ics(
    person_id: IdPath, db: TenantDbDep, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    person = db.get(Person, person_id)
    if person is None or person.deleted:
        raise NotFound(gettext_("There is no such person."))
    data = feeds.feed(
        db,
        municipality,
        f"{person.name} – {municipality.name}",
        feeds.person_meetings(db, person.id, municipality),
        _portal_url(platform, municipality),
    )
    return _calendar(data, f"person-{person.id}.ics")


@office_portal.get("/sitzungen/{meeting_id}/kapitel.vtt", dependencies=[Depends(public)])
def chapters_vtt(meeting_id: IdPath, db: TenantDbDep) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    found = media.media_of(db, meeting.id)
    if found is None or not found.recording_url:
        raise NotFound(gettext_("This meeting has no recording."))
    return Response(
        media.webvtt(media.chapters(db, meeting, found, public_only=True)),
        media_type="text/vtt; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


# ---- back office ---------------------------------------------------------------------------


@office_staff.get("/suche")
def staff_search(
    request: Request,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
) -> Response:
    return _search(request, state, db, municipality, q, internal=True)


def _invitation_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    meeting: Meeting,
    error: str = "",
    status_code: int = 200,
) -> Response:
    zone = ZoneInfo(municipality.timezone)
    return render(
        request,
        "council/staff_invitations.html",
        state,
        status_code=status_code,
        meeting=meeting,
        recipients=invitations.recipients(db, meeting, zone),
        sent=invitations.sent(db, meeting),
        error=error,
        done=request.query_params.get("gesendet", ""),
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("Send the invitation")
        ),
    )


@office_staff.get("/sitzungen/{meeting_id}/einladung")
def invitation_page(
    request: Request,
    meeting_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    return _invitation_page(request, state, db, municipality, meeting)


@office_staff.post("/sitzungen/{meeting_id}/einladung")
def send_invitation(
    request: Request,
    meeting_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    try:
        count = invitations.send(
            db,
            meeting,
            municipality,
            portal_url=_portal_url(platform, municipality),
            actor=state.principal.actor,
        )
    except InvalidInput as exc:
        return _invitation_page(
            request, state, db, municipality, meeting, gettext_(exc.detail), 422
        )
    # The committees' followers get the (changed) public agenda, or the cancellation.
    following.agenda_sent(db, meeting, mailing(request, municipality))
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung"
        f"?gesendet={count}",
        status_code=303,
    )


def _media_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    meeting: Meeting,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    zone = ZoneInfo(municipality.timezone)
    found = media.media_of(db, meeting.id)
    zero = media.time_zero(meeting, found)
    agenda = council_items(db, meeting)
    if values is None:
        values = {
            "stream_url": found.stream_url if found else "",
            "recording_url": found.recording_url if found else "",
            "recording_started_at": local_input(found.recording_started_at, zone)
            if found and found.recording_started_at
            else "",
        }
        for item in agenda:
            # The field as shown goes back in a hidden field: on saving, only a field the
            # office changed sets its item's start.
            shown = media.offset_text(item, zero)
            values[f"top-{item.id}"] = shown
            values[f"shown-top-{item.id}"] = shown
    # An item called up outside the recording (before it began, say) has an empty field: say
    # when it was, so the office knows that saving keeps that time.
    hints = {
        f"top-{item.id}": gettext_(
            "Called up at {time}, outside the recording: saving keeps this time."
        ).format(time=item.start.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S"))
        for item in agenda
        if item.start is not None and media.offset(item.start, zero) is None
    }
    labels = {
        "stream_url": gettext_("Live stream (HLS address, .m3u8)"),
        "recording_url": gettext_("Recording (address of the video)"),
        "recording_started_at": gettext_("The recording starts at"),
        **{f"top-{i.id}": f"{i.number} {i.name}" for i in agenda},
    }
    return render(
        request,
        "council/staff_media.html",
        state,
        status_code=status_code,
        meeting=meeting,
        agenda=agenda,
        values=values,
        errors=errors or {},
        labels=labels,
        hints=hints,
        without_consent=media.without_consent(db, meeting, zone),
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("Stream and recording")
        ),
    )


def council_items(db: Session, meeting: Meeting) -> list[AgendaItem]:
    return list(
        db.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False))
            .order_by(AgendaItem.order, AgendaItem.id)
        )
    )


@office_staff.get("/sitzungen/{meeting_id}/uebertragung")
def media_page(
    request: Request,
    meeting_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    return _media_page(request, state, db, municipality, meeting)


@office_staff.post("/sitzungen/{meeting_id}/uebertragung")
def save_media(
    request: Request,
    meeting_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    zone = ZoneInfo(municipality.timezone)
    agenda = council_items(db, meeting)
    # The recording's time 0 the form's chapters were shown against (a form without the shown
    # values, e.g. from a script, is compared with what the page shows now).
    zero = media.time_zero(meeting, media.media_of(db, meeting.id))
    values = {
        "stream_url": form_text(form, "stream_url", 600),
        "recording_url": form_text(form, "recording_url", 600),
        "recording_started_at": form_text(form, "recording_started_at", 30),
    }
    for item in agenda:
        values[f"top-{item.id}"] = form_text(form, f"top-{item.id}", 10)
        values[f"shown-top-{item.id}"] = (
            form_text(form, f"shown-top-{item.id}", 10)
            if f"shown-top-{item.id}" in form
            else media.offset_text(item, zero)
        )
    errors: dict[str, str] = {}
    started = None
    if values["recording_started_at"].strip():
        try:
            started = council_datetime(values["recording_started_at"], zone)
        except ValueError:
            errors["recording_started_at"] = gettext_("Please enter a date and time.")
    offsets: dict[int, int | None] = {}
    for item in agenda:
        if f"top-{item.id}" not in form:
            continue  # not in the form: unchanged
        try:
            seconds = media.parse_offset(values[f"top-{item.id}"])
        except ValueError:
            errors[f"top-{item.id}"] = gettext_("Please enter a time in the recording (h:mm:ss).")
            continue
        if _edited(seconds, values[f"shown-top-{item.id}"]):
            offsets[item.id] = seconds  # after the recording's start as saved now
    if not errors:
        try:
            found = media.save(
                db,
                meeting,
                stream_url=values["stream_url"],
                recording_url=values["recording_url"],
                recording_started_at=started,
                actor=state.principal.actor,
            )
        except InvalidInput as exc:
            errors = field_errors(exc)
        else:
            media.set_chapters(db, meeting, found, offsets, actor=state.principal.actor)
    if errors:
        return _media_page(request, state, db, municipality, meeting, values, errors, 422)
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht",
        status_code=303,
    )


def _edited(seconds: int | None, shown: str) -> bool:
    """Whether a chapter field's offset differs from the one it was shown with."""
    try:
        return seconds != media.parse_offset(shown)
    except ValueError:
        return True


def council_datetime(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text.strip()).replace(tzinfo=zone).astimezone(UTC)


def _contact_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    person: Person,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if values is None:
        email = invitations.contact_of(db, person.id)
        values = {
            "email": email,
            "consent": "1" if media.consents(db, [person])[person.id] else "",
        }
    return render(
        request,
        "council/staff_contact.html",
        state,
        status_code=status_code,
        person=person,
        values=values,
        errors=errors or {},
        labels={
            "email": gettext_("E-mail address for invitations"),
            "consent": gettext_("Consents to be streamed"),
        },
        wording=media.CONSENT_WORDING,
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("Contact and consent")
        ),
    )


def _person(db: Session, person_id: int) -> Person:
    person = council.get(db, Person, person_id)
    if person.deleted:
        raise NotFound(gettext_("There is no such person."))
    return person


@office_staff.get("/personen/{person_id}/kontakt")
def contact_page(
    request: Request,
    person_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _contact_page(request, state, db, municipality, _person(db, person_id))


@office_staff.post("/personen/{person_id}/kontakt")
def save_contact(
    request: Request,
    person_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    person = _person(db, person_id)
    values = {
        "email": form_text(form, "email", 320),
        "consent": "1" if form_text(form, "consent", 5) in ("1", "on") else "",
    }

    def change() -> str:
        media.set_contact_and_consent(
            db, person, values["email"], values["consent"] == "1", actor=state.principal.actor
        )
        return (
            f"/{municipality.slug}/verwaltung/ratsinfo/personen/{person.id}/kontakt?gespeichert=1"
        )

    return submit(
        change,
        lambda errors, status: _contact_page(
            request, state, db, municipality, person, values, errors, status
        ),
    )
