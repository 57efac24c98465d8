"""Back office, case files: the inbox with its filters, a case with its history, and what a
clerk does with it (assign, move along the workflow, note, message, decide). Changes that
could overwrite a colleague's carry the version the clerk saw (If-Match of the API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.decisions import OUTCOMES
from smartcity.cases.models import Case
from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.workflow import Workflow
from smartcity.citizen import catalog
from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.identity import users
from smartcity.core.mail.services import deliver_pending
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.deps import FormDep, form_text, row_id, staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.open311 import reports
from smartcity.open311.models import ServiceRequest
from smartcity.web import layout

router = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Reader = Annotated[WebState, Depends(staff_page(CASES_READ))]
Worker = Annotated[WebState, Depends(staff_page(CASES_WORK))]
PAGE_SIZE = 50
MAX_TEXT = 10_000


def staff_names(db: Session, municipality: Municipality) -> dict[str, str]:
    """Audit actors ("user:7") and assignee ids by the staff member's name."""
    names: dict[str, str] = {}
    for user, _roles in users.staff_of(db, municipality):
        name = user.display_name or user.username
        names[f"user:{user.id}"] = name
        names[str(user.id)] = name
    names["applicant"] = gettext_("Applicant")
    return names


@router.get("/vorgaenge")
def inbox(
    request: Request,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    status: Annotated[str, Query(max_length=40)] = "",
    service: Annotated[str, Query(max_length=63)] = "",
    assignee: Annotated[str, Query(pattern=r"^(|me|none|[0-9]{1,12})$")] = "",
    age: Annotated[str, Query(pattern=r"^(|[0-9]{1,4})$")] = "",
    overdue: Annotated[str, Query(pattern=r"^(|yes|no)$")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    wanted = cases.InboxFilter(
        status=status or None,
        service=service or None,
        assignee=assignee or None,
        older_than_days=int(age) if age else None,
        overdue={"yes": True, "no": False}.get(overdue),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    found = cases.inbox(db, state.principal, wanted)
    workflow = Workflow.of(None)
    return render(
        request,
        "backoffice/inbox.html",
        state,
        found=found,
        filters={
            "status": status,
            "service": service,
            "assignee": assignee,
            "age": age,
            "overdue": overdue,
        },
        statuses=[(s, workflow.label(s, state.language)) for s in workflow.labels],
        services=[(s.template.key, s.name(state.language)) for s in catalog.offered(db)],
        names=staff_names(db, municipality),
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        **layout.staff(municipality, state.principal, "vorgaenge", gettext_("Inbox")),
    )


def _case_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    portal: Any,
    case: Case,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    out = cases.case_out(db, portal, municipality, case)
    service = catalog.adoption_by_id(db, case.adoption_id)
    workflow = Workflow.of(service.template.workflow)
    names = staff_names(db, municipality)
    report = db.scalar(select(ServiceRequest).where(ServiceRequest.case_id == case.id))
    colleagues = [
        (user.id, user.display_name or user.username)
        for user, roles in users.staff_of(db, municipality)
        if any(r == "admin" or r == f"case_worker:{case.department}" for r in roles)
    ]
    return render(
        request,
        "backoffice/case.html",
        state,
        status_code=status_code,
        case=out,
        errors=errors or {},
        labels={},
        status_label=workflow.label(out.status, state.language),
        next_statuses=[(s, workflow.label(s, state.language)) for s in out.allowed_statuses],
        can_decide=workflow.allows(out.status, workflow.decided),
        outcomes=[(key, texts[state.language]) for key, texts in OUTCOMES.items()],
        history=cases.history(db, case),
        names=names,
        colleagues=colleagues,
        can_work=state.principal.can(CASES_WORK),
        report=report,
        api=f"/{municipality.slug}/api/v1/cases/{case.id}",
        zone=municipality.timezone,
        **layout.staff(
            municipality,
            state.principal,
            "vorgaenge",
            gettext_("Case %(code)s") % {"code": out.tracking_code},
        ),
    )


@router.get("/vorgaenge/{case_id}")
def case_detail(
    case_id: IdPath,
    request: Request,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
) -> Response:
    case = cases.get_case(db, state.principal, case_id)
    return _case_page(request, state, db, municipality, portal, case)


@router.post("/vorgaenge/{case_id}")
def act_on_case(
    case_id: IdPath,
    request: Request,
    state: Worker,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    """One address for every action on a case; the pressed button names it."""
    case = cases.get_case(db, state.principal, case_id)
    action = form_text(form, "action")
    actor = state.principal.actor
    field = {"note": "note-text", "message": "message-text", "decide": "decision-text"}.get(
        action, "status"
    )
    text = form_text(form, "status-note" if action == "status" else field, MAX_TEXT + 1)
    try:
        if len(text) > MAX_TEXT:
            raise _input_error(gettext_("The text is too long (at most 10,000 characters)."))
        if action in ("status", "assign", "decide"):
            cases.check_version(case, f'"{form_text(form, "version")}"')
        if action == "status":
            target = form_text(form, "status")
            if not target:
                raise _input_error(gettext_("Please choose the new state."))
            cases.change_status(db, case, target, text or None, actor)
        elif action == "assign":
            chosen = form_text(form, "assignee")
            assignee = state.principal.id if chosen == "me" else row_id(chosen)
            cases.update(db, case, {"assignee_id": assignee}, actor)
            field = "assignee"
        elif action in ("note", "message"):
            if not text:
                raise _input_error(gettext_("Please write a text."))
            if action == "note":
                cases.add_note(db, case, text, actor)
            else:
                cases.send_message(db, portal, municipality, case, text, actor)
                background.add_task(deliver_pending, platform)
        elif action in ("photo-show", "photo-hide"):
            report = db.scalar(select(ServiceRequest).where(ServiceRequest.case_id == case.id))
            if report is None:
                raise _input_error(gettext_("This case has no defect report."))
            reports.show_photo(db, report, action == "photo-show", actor)
        elif action == "decide":
            outcome = form_text(form, "outcome")
            if outcome not in OUTCOMES:
                field = "outcome"
                raise _input_error(gettext_("Please choose the outcome of the decision."))
            cases.decide(db, portal, municipality, case, outcome, text, actor)
            background.add_task(deliver_pending, platform)
        else:
            raise _input_error(gettext_("Unknown action."))
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        # The services check before they change anything: nothing to undo here.
        return _case_page(
            request, state, db, municipality, portal, case, {field: exc.detail}, exc.status
        )
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/vorgaenge/{case.id}?erledigt={action}", status_code=303
    )


def _input_error(message: str) -> ServiceError:
    return InvalidInput(message)


@router.get("/maengel")
def defect_triage(
    request: Request,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    status: Annotated[str, Query(pattern=r"^(open|closed)$")] = "open",
) -> Response:
    """Reports whose cases this clerk may see, with where and what; the work happens in
    the case."""
    found = cases.inbox(
        db, state.principal, cases.InboxFilter(service="maengelmelder", limit=500)
    ).cases
    by_case = {
        r.case_id: r
        for r in db.scalars(
            select(ServiceRequest).where(ServiceRequest.case_id.in_([c.id for c in found]))
        )
    }
    closed = set(
        db.scalars(select(Case.id).where(Case.closed_at.is_not(None), Case.id.in_(by_case)))
    )
    rows = [
        (summary, by_case[summary.id])
        for summary in found
        if summary.id in by_case and (summary.id in closed) == (status == "closed")
    ]
    return render(
        request,
        "backoffice/defects.html",
        state,
        rows=rows,
        status=status,
        zone=municipality.timezone,
        **layout.staff(municipality, state.principal, "maengel", gettext_("Defect reports")),
    )
