"""The polling station's page in the back office: enter a paper ballot, confirm or reject
what a colleague entered (four eyes; paper.py). With budgets per district the form asks for
the ballot's district and lists each district's projects under its name and rule."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, PermissionDenied
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, form_text, row_id, staff_page
from smartcity.core.web.forms import GENERAL, submit
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.participation import districts, paper, services, voting
from smartcity.participation.models import Process
from smartcity.participation.pages import RULE_LABELS, ballot_choices, form_labels
from smartcity.participation.permissions import PARTICIPATION_PAPER_BALLOTS

paper_pages = APIRouter(prefix="/{municipality}/verwaltung/beteiligung", include_in_schema=False)
PollingStation = Annotated[WebState, Depends(staff_page(PARTICIPATION_PAPER_BALLOTS))]

STATUS_LABELS = {
    "pending": _("waiting for a second person"),
    "counted": _("counted"),
    "rejected": _("rejected"),
}
# The services' messages (English), listed here so that the catalogue has them.
SERVICE_MESSAGES = (
    _("Please name the polling station."),
    _("This voting code has been used already (online or on paper)."),
    _("There is no such paper ballot."),
    _("A second person must confirm a paper ballot: you cannot confirm your own entry."),
    _("This paper ballot has been decided already."),
    _("A second person must reject a paper ballot: you cannot reject your own entry."),
    _("Paper ballots can be entered from the start of voting until the count ends."),
    _(
        "This voting code has been used online already: the paper ballot cannot count. "
        "Please reject it."
    ),
    _("Please give the reason for the rejection."),
    _("This process has no participatory budget."),
    _("This voting code was used on a paper ballot at a polling station."),
    _("Please sign in."),
    _("Please choose the district whose budget the paper ballot is in."),
    _("There is no such district in this process."),
    _("This process has no budgets per district."),
    _(
        "This paper ballot names no district: please reject it and enter it again with its "
        "district."
    ),
)


def _base(municipality: Municipality, process: Process) -> str:
    return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}/papier"


def _page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    process: Process,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    found = paper.entries(db, process)
    district_list = districts.districts(db, process)
    projects = voting.ballot_projects(db, process)
    # Each district's projects under its name and rule (the clerk sees the whole ballot
    # paper's options without JavaScript; the chosen district decides which count).
    groups = [
        {
            "district": d,
            "rule_label": gettext_(RULE_LABELS[d.rule]),
            "projects": [p for p in projects if p.district_id == d.id],
        }
        for d in district_list
    ]
    return render(
        request,
        "participation/paper.html",
        state,
        status_code=status_code,
        process=process,
        projects=projects,
        district_groups=groups,
        district_options=[(d.id, d.name) for d in district_list],
        district_names={d.id: d.name for d in district_list},
        entries=found,
        receipts=paper.receipts(db, found),
        titles={p.id: p.title for p in services.visible_proposals(db, process)},
        status_labels={k: gettext_(v) for k, v in STATUS_LABELS.items()},
        me=state.principal.id,
        open=services.counting(services.phases(db, process), utcnow()),
        uses_codes=process.identification == "codes",
        rule_label=gettext_(RULE_LABELS[process.rule]),
        values=values,
        errors=errors,
        labels={
            **form_labels(),
            "station": gettext_("Polling station"),
            "code": gettext_("Code"),
            "district": gettext_("District"),
        },
        base=_base(municipality, process),
        **layout.staff(
            request, municipality, state.principal, "beteiligung", gettext_("Paper ballots")
        ),
    )


@paper_pages.get("/{slug}/papier")
def paper_ballots(
    request: Request,
    slug: str,
    state: PollingStation,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    return _page(request, state, db, municipality, process, {"chosen": []}, {})


@paper_pages.post("/{slug}/papier")
def enter(
    request: Request,
    slug: str,
    state: PollingStation,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    district_text = form_text(form, "district", 20)
    # Anything that is not an id is no district of this process (0 is no row's id).
    district_id = (row_id(district_text) or 0) if district_text else None
    # The marks are read under the rule of the ballot's district (its own may differ).
    district = next((d for d in districts.districts(db, process) if d.id == district_id), None)
    chosen = ballot_choices(form, district or process)
    values: dict[str, Any] = {
        "station": form_text(form, "station", paper.MAX_STATION),
        "code": form_text(form, "code", 40),
        "district": district_text,
        "chosen": chosen,
    }
    user = state.principal.id
    if user is None:  # a staff page: always a signed-in account
        raise PermissionDenied("Please sign in.")

    def change() -> str:
        paper.enter(
            db,
            process,
            chosen,
            station=values["station"],
            code=values["code"],
            entered_by=user,
            actor=state.principal.actor,
            secret=platform.settings.require_secret_key(),
            district_id=district_id,
        )
        return f"{_base(municipality, process)}#eingaben"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, values, errors, status)

    return submit(change, again)


@paper_pages.post("/{slug}/papier/{entry_id}")
def decide(
    request: Request,
    slug: str,
    entry_id: IdPath,
    state: PollingStation,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    """Confirm (a second person) or reject a paper ballot someone entered."""
    process = services.process_by_slug(db, slug)
    action = form_text(form, "action", 10)
    user = state.principal.id
    if user is None:
        raise PermissionDenied("Please sign in.")

    def change() -> str:
        if action == "confirm":
            paper.confirm(
                db,
                process,
                entry_id,
                by=user,
                actor=state.principal.actor,
                secret=platform.settings.require_secret_key(),
            )
        elif action == "reject":
            paper.reject(
                db,
                process,
                entry_id,
                by=user,
                reason=form_text(form, "reason", 500),
                actor=state.principal.actor,
            )
        else:
            raise InvalidInput("Please choose what to do.")
        return f"{_base(municipality, process)}#eingabe-{entry_id}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, {"chosen": []}, errors, status)

    return submit(change, again, answered={Conflict: GENERAL, PermissionDenied: GENERAL})
