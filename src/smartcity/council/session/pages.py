"""The digital session's pages.

- Council office (`council.session.run`), for the chair: the console
  `/{m}/verwaltung/ratsinfo/sitzungen/<id>/sitzungsleitung` (open and close, the item in
  progress, quorum, attendance, speakers' list, ballots) and the members' accounts
  `/{m}/verwaltung/ratsinfo/sitzungsdienst/mitglieder/konten`.
- Councillors (`council.session.take_part`), on their own device:
  `/{m}/verwaltung/ratsinfo/sitzungen/<id>/sitzung` (check in and out, ask to speak, vote).
- Everybody: the live page `/{m}/ratsinfo/sitzungen/<id>/live` and the stream overlay
  `/{m}/ratsinfo/sitzungen/<id>/einblendung` (a plain page for a streaming software's browser
  source). No script anywhere: pages reload themselves by `<meta http-equiv="refresh">` — the
  overlay always, the other pages when the visitor asks for it (`aktualisieren=1`, WCAG 2.2.1),
  and forms keep that choice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep, public
from smartcity.core.identity.models import RoleAssignment
from smartcity.core.identity.permissions import ROLES
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, row_id, staff_page
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.council import services as council
from smartcity.council.models import Meeting, Person
from smartcity.council.session import running, views, voting
from smartcity.council.session.permissions import COUNCIL_SESSION_RUN, COUNCIL_SESSION_TAKE_PART

STATIC = Path(__file__).parent / "static"
REFRESH_SECONDS = 10
OVERLAY_SECONDS = 5

session_portal = APIRouter(prefix="/{municipality}/ratsinfo/sitzungen", include_in_schema=False)
session_staff = APIRouter(prefix="/{municipality}/verwaltung/ratsinfo", include_in_schema=False)
session_static = APIRouter(include_in_schema=False)
Runner = Annotated[WebState, Depends(staff_page(COUNCIL_SESSION_RUN))]
Member = Annotated[WebState, Depends(staff_page(COUNCIL_SESSION_TAKE_PART))]
Refresh = Annotated[bool, Query()]

CHOICE_LABELS = {
    "yes": "Yes",
    "no": "No",
    "abstain": "Abstain",
    "biased": "Biased (does not vote)",
}


def _refreshing(form: object) -> bool:
    return form_text(form, "aktualisieren", 1) == "1"  # type: ignore[arg-type]


def _target(path: str, refresh: bool) -> str:
    return path + ("?aktualisieren=1" if refresh else "")


def _back(path: str, refresh: bool) -> RedirectResponse:
    return RedirectResponse(_target(path, refresh), status_code=303)


def _base(municipality: Municipality, meeting: Meeting) -> str:
    return f"/{municipality.slug}/verwaltung/ratsinfo/sitzungen/{meeting.id}"


def _person_id(db: Session, form: object, name: str = "person_id") -> Person:
    found = row_id(form_text(form, name, 12))  # type: ignore[arg-type]
    person = db.get(Person, found) if found else None
    if person is None or person.deleted:
        message = gettext_("Please choose a member.")
        raise InvalidInput(message, errors={name: message})
    return person


# ---- public: live page and overlay ------------------------------------------------------------


@session_portal.get("/{meeting_id}/live")
def live(
    request: Request,
    meeting_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    aktualisieren: Refresh = False,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    return render(
        request,
        "council/session/live.html",
        state,
        view=views.read(db, meeting, public_only=True),
        refresh=REFRESH_SECONDS if aktualisieren else 0,
        choices=CHOICE_LABELS,
        zone=municipality.timezone,
        **layout.portal(
            request, municipality, "ratsinfo", gettext_("Live: %(name)s") % {"name": meeting.name}
        ),
    )


@session_portal.get("/{meeting_id}/einblendung")
def overlay(
    request: Request,
    meeting_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    response = render(
        request,
        "council/session/overlay.html",
        state,
        view=views.read(db, meeting, public_only=True),
        refresh=OVERLAY_SECONDS,
        municipality=municipality,
        zone=municipality.timezone,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@session_static.get("/static/council-session/{name}", dependencies=[Depends(public)])
def stylesheet(name: str) -> Response:
    if name not in ("overlay.css", "session.css"):
        raise NotFound("There is no such file.")
    return FileResponse(
        STATIC / name, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


# ---- the chair's console (council office) ----------------------------------------------------


def _console(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    meeting: Meeting,
    refresh: bool,
) -> Response:
    view = views.read(db, meeting, public_only=False)
    return render(
        request,
        "council/session/console.html",
        state,
        view=view,
        refresh=REFRESH_SECONDS if refresh else 0,
        base=_base(municipality, meeting),
        choices=CHOICE_LABELS,
        zone=municipality.timezone,
        **layout.staff(
            request,
            municipality,
            state.principal,
            "ratsinfo",
            gettext_("Running the session: %(name)s") % {"name": meeting.name},
        ),
    )


@session_staff.get("/sitzungen/{meeting_id}/sitzungsleitung")
def console(
    request: Request,
    meeting_id: IdPath,
    state: Runner,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    aktualisieren: Refresh = False,
) -> Response:
    return _console(
        request, state, db, municipality, council.meeting_or_404(db, meeting_id), aktualisieren
    )


@session_staff.post("/sitzungen/{meeting_id}/sitzungsleitung/{action}")
def console_action(
    meeting_id: IdPath,
    action: str,
    state: Runner,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """One of the console's buttons."""
    meeting = council.meeting_or_404(db, meeting_id)
    actor = state.principal.actor
    if action == "eroeffnen":
        running.open_session(db, meeting, room_url=form_text(form, "room_url", 500), actor=actor)
    elif action == "schliessen":
        running.close_session(db, meeting, actor=actor)
    elif action == "top":
        item = row_id(form_text(form, "item_id", 12))
        if item is None:
            raise InvalidInput(gettext_("Please choose an agenda item."))
        running.start_item(db, meeting, item, actor=actor)
    elif action == "top-ende":
        running.end_item(db, meeting, actor=actor)
    elif action in ("anwesend", "abwesend"):
        person = _person_id(db, form)
        if action == "anwesend":
            running.check_in(db, meeting, person, actor=actor, by_office=True)
        else:
            running.check_out(db, meeting, person, actor=actor)
    elif action == "redeliste-weiter":
        running.call_next(db, meeting, actor=actor)
    elif action == "redeliste-ende":
        running.finish_speaker(db, meeting, actor=actor)
    elif action == "abstimmung-schliessen":
        ballot = running.open_ballot_of(db, meeting)
        if ballot is None:
            raise InvalidInput(gettext_("No ballot is open."))
        voting.close_ballot(db, meeting, ballot, actor=actor)
    elif action == "befangen":
        ballot = running.open_ballot_of(db, meeting)
        if ballot is None:
            raise InvalidInput(gettext_("No ballot is open."))
        voting.cast_vote(
            db, meeting, ballot, _person_id(db, form), "biased", actor=actor, by_office=True
        )
    else:
        raise NotFound(gettext_("This page or entry does not exist."))
    return _back(f"{_base(municipality, meeting)}/sitzungsleitung", _refreshing(form))


def _ballot_form(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    meeting: Meeting,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    view = views.read(db, meeting, public_only=False)
    return render(
        request,
        "council/session/ballot_form.html",
        state,
        status_code=status_code,
        view=view,
        values=values,
        errors=errors,
        labels={"subject": gettext_("Motion put to vote")},
        base=_base(municipality, meeting),
        **layout.staff(request, municipality, state.principal, "ratsinfo", gettext_("Put to vote")),
    )


@session_staff.get("/sitzungen/{meeting_id}/sitzungsleitung-abstimmung")
def ballot_form(
    request: Request,
    meeting_id: IdPath,
    state: Runner,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    return _ballot_form(request, state, db, municipality, meeting, {"kind": "main"}, {})


@session_staff.post("/sitzungen/{meeting_id}/sitzungsleitung-abstimmung")
def ballot_open(
    request: Request,
    meeting_id: IdPath,
    state: Runner,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    values = {
        "kind": "motion" if form_text(form, "kind", 10) == "motion" else "main",
        "subject": form_text(form, "subject", 500),
        "roll_call": "1" if form_text(form, "roll_call", 1) == "1" else "",
    }

    def change() -> str:
        voting.open_ballot(
            db,
            meeting,
            subject=values["subject"] if values["kind"] == "motion" else "",
            motion=values["kind"] == "motion",
            roll_call=values["roll_call"] == "1",
            actor=state.principal.actor,
        )
        return _target(f"{_base(municipality, meeting)}/sitzungsleitung", _refreshing(form))

    return submit(
        change,
        lambda errors, status: _ballot_form(
            request, state, db, municipality, meeting, values, errors, status_code=status
        ),
    )


# ---- the members' accounts -------------------------------------------------------------------


def _councillor_accounts(db: Session, municipality: Municipality) -> set[int]:
    """Accounts whose roles in the municipality let them take part (only those may be
    linked: the office cannot make anybody a voting member)."""
    rows = db.execute(
        select(RoleAssignment.user_id, RoleAssignment.role).where(
            RoleAssignment.municipality_id == municipality.id
        )
    ).all()
    return {
        user_id
        for user_id, role in rows
        if role in ROLES and ROLES[role].grants(COUNCIL_SESSION_TAKE_PART)
    }


def _accounts_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "council/session/accounts.html",
        state,
        status_code=status_code,
        linked=running.accounts(db),
        persons=[(str(p.id), p.name) for p in council.persons(db)],
        values=values,
        errors=errors,
        labels={
            "person_id": gettext_("Council member"),
            "username": gettext_("User name of the account"),
        },
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("Members' accounts")
        ),
    )


ACCOUNTS = "/sitzungsdienst/mitglieder/konten"


@session_staff.get(ACCOUNTS)
def accounts(
    request: Request, state: Runner, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _accounts_page(request, state, db, municipality, {}, {})


@session_staff.post(ACCOUNTS)
def link_account(
    request: Request,
    state: Runner,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values = {
        "person_id": form_text(form, "person_id", 12),
        "username": form_text(form, "username", 150),
    }

    def change() -> str:
        person = _person_id(db, form)
        if form_text(form, "unlink", 1) == "1":
            running.unlink_account(db, person, actor=state.principal.actor)
        else:
            running.link_account(
                db,
                person,
                values["username"],
                allowed=_councillor_accounts(db, municipality),
                actor=state.principal.actor,
            )
        return f"/{municipality.slug}/verwaltung/ratsinfo{ACCOUNTS}"

    return submit(
        change,
        lambda errors, status: _accounts_page(
            request, state, db, municipality, values, errors, status_code=status
        ),
    )


# ---- a member's device -----------------------------------------------------------------------


@session_staff.get("/sitzungen/{meeting_id}/sitzung")
def device(
    request: Request,
    meeting_id: IdPath,
    state: Member,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    aktualisieren: Refresh = False,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    person = running.person_of(db, state.principal.id)
    view = views.read(db, meeting, public_only=False)
    mine = None
    if person is not None and view.open_ballot is not None:
        mine = voting.vote_of(db, view.open_ballot, person)
    waiting = [r for r, _name in view.speakers if person and r.person_id == person.id]
    return render(
        request,
        "council/session/device.html",
        state,
        view=view,
        person=person,
        member=view.roll.get(person.id) if person else None,
        present=person is not None and person.id in view.present,
        my_vote=mine,
        my_requests=waiting,
        refresh=REFRESH_SECONDS if aktualisieren else 0,
        base=_base(municipality, meeting),
        choices=CHOICE_LABELS,
        zone=municipality.timezone,
        **layout.staff(
            request,
            municipality,
            state.principal,
            "ratsinfo",
            gettext_("Session: %(name)s") % {"name": meeting.name},
        ),
    )


@session_staff.post("/sitzungen/{meeting_id}/sitzung/{action}")
def device_action(
    meeting_id: IdPath,
    action: str,
    state: Member,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    meeting = council.meeting_or_404(db, meeting_id)
    person = running.person_of(db, state.principal.id)
    if person is None:
        raise InvalidInput(
            gettext_(
                "Your account is not linked to a council member. Please ask the council office."
            )
        )
    actor = state.principal.actor
    if action == "anmelden":
        running.check_in(db, meeting, person, actor=actor)
    elif action == "abmelden":
        running.check_out(db, meeting, person, actor=actor)
    elif action == "wortmeldung":
        order = form_text(form, "point_of_order", 1) == "1"
        running.request_to_speak(db, meeting, person, point_of_order=order, actor=actor)
    elif action == "wortmeldung-zurueck":
        running.withdraw_request(db, meeting, person, actor=actor)
    elif action == "stimme":
        ballot_id = row_id(form_text(form, "ballot_id", 12))
        if ballot_id is None:
            raise InvalidInput(gettext_("There is no such ballot."))
        ballot = voting.ballot_of(db, meeting, ballot_id)
        voting.cast_vote(db, meeting, ballot, person, form_text(form, "choice", 10), actor=actor)
    else:
        raise NotFound(gettext_("This page or entry does not exist."))
    return _back(f"{_base(municipality, meeting)}/sitzung", _refreshing(form))
