"""Back office, case files: the inbox with its filters, a case with its history, and what a
clerk does with it (assign, move along the workflow, note, message, decide). Changes that
could overwrite a colleague's carry the version the clerk saw (If-Match of the API).

Cases import no other domain. What other modules add to these pages they hand over here when
their module declaration is imported: the services the inbox filters by (`offer_services`,
citizen services) and parts of the case page with their own buttons (`add_case_section`,
the defect report of a case the Mängelmelder opened)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import interfaces
from smartcity.cases import services as cases
from smartcity.cases.decisions import OUTCOMES
from smartcity.cases.models import Case
from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.workflow import Workflow
from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.identity import users
from smartcity.core.identity.models import UserAccount
from smartcity.core.mail.services import deliver_pending
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.dates import field_value, parse_day
from smartcity.core.web.deps import FormDep, form_text, row_id, staff_page
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState

router = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Reader = Annotated[WebState, Depends(staff_page(CASES_READ))]
Worker = Annotated[WebState, Depends(staff_page(CASES_WORK))]
PAGE_SIZE = 50
MAX_TEXT = 10_000

# The services a municipality offers, as (key, name in the language), for the inbox's filter.
ServiceChoices = Callable[[Session, str], list[tuple[str, str]]]
# What a button of a case section does (database, case, actor); a ServiceError it raises is
# shown on the case page.
SectionAction = Callable[[Session, Case, str], None]


@dataclass(frozen=True)
class CaseSection:
    """A part of the case page that another module contributes, below the answers.

    `values` gives the template's values for a case (the template reads them as
    `section_values`), or None where the section has nothing to show. `actions` maps the
    values of its buttons (`name="action"`, posted to the case page) to what they do."""

    template: str
    values: Callable[[Session, Case], dict[str, Any] | None]
    actions: Mapping[str, SectionAction] = field(default_factory=dict)
    # The section shows the application in its own words (a defect report: its category's
    # name, the answers to its questions, the place on a map): the raw answers are left out.
    replaces_answers: bool = False


# The audit log's codes for what happens to a case, in words (the case page's audit list and
# the back office's audit log show them).
CASE_ACTIONS: dict[str, str] = {
    "submission.create": _("Application received"),
    "case.status": _("State changed"),
    "case.update": _("Case changed"),
    "case.note": _("Internal note added"),
    "case.message": _("Message sent to the applicant"),
    "case.reply": _("Reply of the applicant received"),
    "case.attachment": _("File added"),
    "case.decision": _("Decision issued"),
    "case.retention.anonymise": _("Personal data removed (retention period over)"),
    "case.retention.delete": _("Case deleted (retention period over)"),
}
# Actors that are not staff accounts, as the audit log and a case's history name them.
OTHER_ACTORS: dict[str, str] = {
    "applicant": _("Applicant"),
    "citizen": _("Citizen (logged in)"),
    "anonymous": _("Citizen (not logged in)"),
    "system": _("Automatic (the platform)"),
    "lighting": _("Automatic (street lighting)"),
    "demo": _("Demo data"),
    "cli": _("Command line (operations)"),
}

_service_choices: list[ServiceChoices] = []
_sections: list[CaseSection] = []


def offer_services(choices: ServiceChoices) -> None:
    """Register where the inbox's service filter gets its services (replacing one before)."""
    _service_choices[:] = [choices]


def add_case_section(section: CaseSection) -> None:
    if section not in _sections:
        _sections.append(section)


def staff_names(
    db: Session,
    municipality: Municipality,
    staff: list[tuple[UserAccount, list[str]]] | None = None,
) -> dict[str, str]:
    """Audit actors ("user:7") and assignee ids by the staff member's name (`staff`: the
    municipality's staff where the caller has read them already)."""
    accounts = [
        user for user, _roles in (users.staff_of(db, municipality) if staff is None else staff)
    ]
    names = users.actor_names(db, accounts=accounts)
    # Assignees are stored by the account's id.
    names |= {str(user.id): names[f"user:{user.id}"] for user in accounts}
    for actor, label in OTHER_ACTORS.items():
        names[actor] = gettext_(label)
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
    q: Annotated[str, Query(max_length=100)] = "",
    von: Annotated[str, Query(max_length=10)] = "",
    bis: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    zone = ZoneInfo(municipality.timezone)
    first, last = parse_day(von), parse_day(bis)
    errors = {
        name: gettext_("Please enter the date as DD.MM.YYYY.")
        for name, text, parsed in (("von", von, first), ("bis", bis, last))
        if text and parsed is None
    }
    wanted = cases.InboxFilter(
        status=status or None,
        service=service or None,
        assignee=assignee or None,
        older_than_days=int(age) if age else None,
        overdue={"yes": True, "no": False}.get(overdue),
        search=q.strip() or None,
        received_from=datetime.combine(first, time(), zone) if first else None,
        received_before=(
            datetime.combine(last + timedelta(days=1), time(), zone) if last else None
        ),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    found = cases.inbox(db, state.principal, wanted)
    workflow = Workflow.of(None)
    filters = {
        "q": q,
        "status": status,
        "service": service,
        "assignee": assignee,
        "von": field_value(von),
        "bis": field_value(bis),
        "age": age,
        "overdue": overdue,
    }
    return render(
        request,
        "cases/inbox.html",
        state,
        status_code=422 if errors else 200,
        found=found,
        applicants=_applicants(db, [c.id for c in found.cases]),
        filters=filters,
        query=urlencode(filters),
        errors=errors,
        labels={"von": gettext_("Received from"), "bis": gettext_("Received until")},
        statuses=[(s, workflow.label(s, state.language)) for s in workflow.labels],
        services=[c for offered in _service_choices for c in offered(db, state.language)],
        names=staff_names(db, municipality),
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        **layout.staff(request, municipality, state.principal, "vorgaenge", gettext_("Inbox")),
    )


def _applicants(db: Session, case_ids: list[int]) -> dict[int, str]:
    """The applicant's name of each listed case (where the form asks for one)."""
    listed = list(db.scalars(select(Case).where(Case.id.in_(case_ids)))) if case_ids else []
    found = interfaces.applications().of_cases(db, listed)
    return {
        case_id: name
        for case_id, application in found.items()
        if (name := application.applicant_name) is not None
    }


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
    workflow = interfaces.application(db, case).workflow
    staff = users.staff_of(db, municipality)
    names = staff_names(db, municipality, staff)
    applied = [
        (section, values)
        for section in _sections
        if (values := section.values(db, case)) is not None
    ]
    sections = [(section.template, values) for section, values in applied]
    colleagues = [
        (user.id, user.display_name or user.username)
        for user, roles in staff
        if any(r == "admin" or r == f"case_worker:{case.department}" for r in roles)
    ]
    return render(
        request,
        "cases/case.html",
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
        status_labels={s: workflow.label(s, state.language) for s in workflow.labels},
        action_labels={code: gettext_(label) for code, label in CASE_ACTIONS.items()},
        names=names,
        colleagues=colleagues,
        can_work=state.principal.can(CASES_WORK),
        sections=sections,
        show_answers=not any(section.replaces_answers for section, _values in applied),
        api=f"/{municipality.slug}/api/v1/cases/{case.id}",
        zone=municipality.timezone,
        **layout.staff(
            request,
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


def _section_action(action: str) -> SectionAction | None:
    return next((s.actions[action] for s in _sections if action in s.actions), None)


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
            cases.change_status(
                db, case, target, text or None, actor, notice=(portal, municipality)
            )
            background.add_task(deliver_pending, platform)
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
        elif (section_action := _section_action(action)) is not None:
            section_action(db, case, actor)
        elif action == "decide":
            outcome = form_text(form, "outcome")
            if outcome not in OUTCOMES:
                field = "outcome"
                raise _input_error(gettext_("Please choose the outcome of the decision."))
            if form_text(form, "confirmed") != "yes":
                # Issuing signs the decision and tells the applicant: the clerk reads it first.
                preview = cases.preview_decision(db, municipality, case, outcome, text)
                return _decision_preview(
                    request, state, municipality, case, outcome, text, preview, form
                )
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


def _decision_preview(
    request: Request,
    state: WebState,
    municipality: Municipality,
    case: Case,
    outcome: str,
    reasons: str,
    preview: str,
    form: Any,
) -> Response:
    return render(
        request,
        "cases/decision_preview.html",
        state,
        preview=preview,
        outcome=outcome,
        outcome_label=OUTCOMES[outcome][state.language],
        reasons=reasons,
        version=form_text(form, "version"),
        case_id=case.id,
        **layout.staff(
            request, municipality, state.principal, "vorgaenge", gettext_("Check the decision")
        ),
    )


def _input_error(message: str) -> ServiceError:
    return InvalidInput(message)
