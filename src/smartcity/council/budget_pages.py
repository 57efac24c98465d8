"""Pages of the budget deliberation. Portal (`/{m}/ratsinfo/haushalt`): the budgets, each by
product area and group with the planned amounts per year, the adopted amounts once adopted,
and each line's amendments with their faction, change and state. Back office
(`/{m}/verwaltung/ratsinfo/haushalt`, council office): import a budget plan from CSV (again,
while it is a draft), file a faction's amendment (a paper), mark the budget adopted."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads.services import PayloadTooLarge
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.council import budget as budgets
from smartcity.council.models_budget import Budget
from smartcity.council.permissions import COUNCIL_MANAGE

budget_portal = APIRouter(prefix="/{municipality}/ratsinfo/haushalt", include_in_schema=False)
budget_staff = APIRouter(
    prefix="/{municipality}/verwaltung/ratsinfo/haushalt", include_in_schema=False
)
Manager = Annotated[WebState, Depends(staff_page(COUNCIL_MANAGE))]


def _today(municipality: Municipality) -> date:
    return utcnow().astimezone(ZoneInfo(municipality.timezone)).date()


def _base(municipality: Municipality) -> str:
    return f"/{municipality.slug}/verwaltung/ratsinfo/haushalt"


# ---- portal --------------------------------------------------------------------------------


@budget_portal.get("")
def budget_list(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "council/budgets.html",
        state,
        budgets=budgets.budgets(db),
        **layout.portal(request, municipality, "ratsinfo", gettext_("Municipal budget")),
    )


@budget_portal.get("/{budget_id}")
def budget_page(
    request: Request,
    budget_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    return render(
        request,
        "council/budget.html",
        state,
        view=budgets.view(db, budget, public_only=True),
        internal=False,
        money=budgets.money,
        **layout.portal(request, municipality, "ratsinfo", budget.title),
    )


# ---- back office ---------------------------------------------------------------------------


IMPORT_LABELS = {"title": "Title", "file": "Budget plan (CSV file)"}


def _labels(names: dict[str, str]) -> dict[str, str]:
    return {name: gettext_(label) for name, label in names.items()}


def _staff_list(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "council/staff_budgets.html",
        state,
        status_code=status_code,
        budgets=budgets.budgets(db),
        values=values or {},
        errors=errors or {},
        labels=_labels(IMPORT_LABELS),
        max_megabytes=budgets.MAX_BYTES // 2**20,
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("Municipal budget")
        ),
    )


def _upload(form: FormData) -> bytes:
    """The chosen file's bytes (at most one byte over the limit, so that the service can tell
    that it is too large), b"" when none was chosen."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return b""
    return upload.file.read(budgets.MAX_BYTES + 1)


@budget_staff.get("")
def staff_budgets(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _staff_list(request, state, db, municipality)


@budget_staff.post("")
def import_budget(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values = {"title": form_text(form, "title", 300)}
    data = _upload(form)

    def change() -> str:
        found = budgets.import_budget(
            db, title=values["title"], data=data, budget=None, actor=state.principal.actor
        )
        return f"{_base(municipality)}/{found.id}?importiert=1"

    return submit(
        change,
        lambda errors, status: _staff_list(
            request, state, db, municipality, values, errors, status
        ),
        answered={PayloadTooLarge: "file"},
    )


def _staff_budget(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    budget: Budget,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "council/staff_budget.html",
        state,
        status_code=status_code,
        view=budgets.view(db, budget, public_only=False),
        internal=True,
        money=budgets.money,
        errors=errors or {},
        labels=_labels({"file": IMPORT_LABELS["file"], "adopted_on": "Adopted on"}),
        today=_today(municipality).isoformat(),
        max_megabytes=budgets.MAX_BYTES // 2**20,
        done=request.query_params,
        **layout.staff(request, municipality, state.principal, "ratsinfo", budget.title),
    )


@budget_staff.get("/{budget_id}")
def staff_budget(
    request: Request,
    budget_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    return _staff_budget(request, state, db, municipality, budget)


@budget_staff.post("/{budget_id}")
def reimport_budget(
    request: Request,
    budget_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    title = form_text(form, "title", 300) or budget.title
    data = _upload(form)

    def change() -> str:
        budgets.import_budget(
            db, title=title, data=data, budget=budget, actor=state.principal.actor
        )
        return f"{_base(municipality)}/{budget.id}?importiert=1"

    return submit(
        change,
        lambda errors, status: _staff_budget(
            request, state, db, municipality, budget, errors, status
        ),
        answered={PayloadTooLarge: "file"},
    )


@budget_staff.post("/{budget_id}/beschluss")
def adopt_budget(
    request: Request,
    budget_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    given = form_text(form, "adopted_on", 10)

    def change() -> str:
        try:
            on = date.fromisoformat(given)
        except ValueError:
            raise InvalidInput(
                gettext_("Please enter a date."),
                errors={"adopted_on": gettext_("Please enter a date.")},
            ) from None
        budgets.adopt(db, budget, on=on, actor=state.principal.actor)
        return f"{_base(municipality)}/{budget.id}?beschlossen=1"

    return submit(
        change,
        lambda errors, status: _staff_budget(
            request, state, db, municipality, budget, errors, status
        ),
    )


AMENDMENT_LABELS = {"line": "Budget line", "faction": "Faction", "reason": "Grounds"}


def _amendment_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    budget: Budget,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    labels = _labels(AMENDMENT_LABELS)
    for year in budget.years:
        labels[f"change_{year}"] = gettext_("Change {year} (euros)").format(year=year)
    return render(
        request,
        "council/staff_budget_amendment.html",
        state,
        status_code=status_code,
        budget=budget,
        lines=[
            (str(line.id), f"{line.number} {line.name}") for line in budgets.lines_of(db, budget)
        ],
        factions=[(str(f.id), f.name) for f in budgets.factions(db)],
        values=values,
        errors=errors or {},
        labels=labels,
        **layout.staff(
            request, municipality, state.principal, "ratsinfo", gettext_("File an amendment")
        ),
    )


@budget_staff.get("/{budget_id}/antrag")
def amendment_form(
    request: Request,
    budget_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    line = request.query_params.get("zeile", "")
    values = {"line": line if line.isdecimal() else ""}
    return _amendment_page(request, state, db, municipality, budget, values)


def _number(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) < 12 else None


@budget_staff.post("/{budget_id}/antrag")
def file_amendment(
    request: Request,
    budget_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    budget = budgets.budget_or_404(db, budget_id)
    values: dict[str, Any] = {
        "line": form_text(form, "line", 12),
        "faction": form_text(form, "faction", 12),
        "reason": form_text(form, "reason", 4001),
        **{f"change_{y}": form_text(form, f"change_{y}", 30) for y in budget.years},
    }

    def change() -> str:
        amendment = budgets.file_amendment(
            db,
            budget,
            line_id=_number(values["line"]),
            faction_id=_number(values["faction"]),
            changes={y: values[f"change_{y}"] for y in budget.years},
            reason=values["reason"],
            today=_today(municipality),
            actor=state.principal.actor,
        )
        return f"{_base(municipality)}/{budget.id}?eingereicht={amendment.paper_id}"

    return submit(
        change,
        lambda errors, status: _amendment_page(
            request, state, db, municipality, budget, values, errors, status
        ),
    )
