"""Back office, administration: the overview, users and roles, API keys, and the audit log
with the result of its verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from smartcity.cases import services as cases
from smartcity.cases.pages import staff_names
from smartcity.cases.permissions import CASES_READ
from smartcity.core.audit import services as audit
from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import MAX_ROW_ID
from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.identity import apikeys, users
from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    MUNICIPALITY_READ,
    SCOPES,
    STAFF_MANAGE,
    STAFF_READ,
    Role,
)
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, form_text, row_id, staff_page
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.lighting import services as lighting
from smartcity.lighting.permissions import LIGHTING_READ
from smartcity.watermeter.models import MeterReading
from smartcity.watermeter.permissions import WATERMETER_MANAGE
from smartcity.web.permissions import COCKPIT_VIEW

router = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)

ROLE_NAMES = {
    Role.ADMIN: _("Administration"),
    Role.CASE_WORKER: _("Case worker"),
    Role.OPERATOR: _("Operations"),
    Role.DATA_STEWARD: _("Data steward"),
    Role.AUDITOR: _("Auditor"),
    Role.REGION_ADMIN: _("Region administration"),
}
ASSIGNABLE = [role for role in ROLE_NAMES if role != Role.REGION_ADMIN]


@router.get("/")
def overview(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(MUNICIPALITY_READ))],
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    principal = state.principal
    figures: list[tuple[str, Any, str]] = []
    if principal.can(CASES_READ):
        open_cases = cases.inbox(db, principal, cases.InboxFilter(limit=1)).total
        overdue = cases.inbox(db, principal, cases.InboxFilter(overdue=True, limit=1)).total
        figures.append((gettext_("Cases"), open_cases, "vorgaenge"))
        figures.append((gettext_("Overdue cases"), overdue, "vorgaenge?overdue=yes"))
    if principal.can(WATERMETER_MANAGE):
        flagged = db.scalar(
            select(func.count()).select_from(MeterReading).where(MeterReading.status == "flagged")
        )
        figures.append((gettext_("Meter readings to review"), flagged or 0, "wasserzaehler"))
    if principal.can(LIGHTING_READ) and principal.can(COCKPIT_VIEW):
        faults = len(lighting.open_faults(db))
        figures.append((gettext_("Open lamp faults"), faults, "cockpit"))
    return render(
        request,
        "backoffice/overview.html",
        state,
        figures=figures,
        **layout.staff(request, municipality, principal, "", gettext_("Overview")),
    )


# ---- users and roles ---------------------------------------------------------------------------


def _users_page(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Any,
    errors: dict[str, str],
    values: dict[str, str],
    status_code: int = 200,
) -> Response:
    staff = []
    for user, labels in users.staff_of(db, municipality):
        roles = []
        for label in labels:
            role, _sep, department = label.partition(":")
            roles.append((role, gettext_(ROLE_NAMES.get(Role(role), role)), department))
        staff.append((user, roles))
    return render(
        request,
        "backoffice/users.html",
        state,
        status_code=status_code,
        staff=staff,
        roles=[(role.value, gettext_(ROLE_NAMES[role])) for role in ASSIGNABLE],
        can_manage=state.principal.can(STAFF_MANAGE),
        current_user_id=state.principal.id,
        errors=errors,
        values=values,
        labels={
            "username": gettext_("User name"),
            "display_name": gettext_("Name"),
            "password": gettext_("Initial password"),
            "role": gettext_("Role"),
            "department": gettext_("Department"),
            "lock": gettext_("Lock"),
        },
        **layout.staff(
            request, municipality, state.principal, "benutzer", gettext_("Users and roles")
        ),
    )


@router.get("/benutzer")
def staff_list(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(STAFF_READ))],
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _users_page(request, state, db, municipality, {}, {})


@router.post("/benutzer")
def staff_change(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(STAFF_MANAGE))],
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    action = form_text(form, "action")
    values = {
        name: form_text(form, name)
        for name in ("username", "display_name", "role", "department", "user_id")
    }
    actor = state.principal.actor
    try:
        role_text = values["role"]
        if role_text not in {r.value for r in ASSIGNABLE}:
            raise InvalidInput(gettext_("Please choose a role."), errors={"role": ""})
        role = Role(role_text)
        department = values["department"] or None
        if role == Role.CASE_WORKER and not department:
            raise InvalidInput(
                gettext_("Case workers belong to a department: please name it."),
                errors={"department": ""},
            )
        if action == "create":
            user = users.create_user(
                db,
                username=values["username"],
                password=form_text(form, "password", 1000),
                display_name=values["display_name"],
                actor=actor,
                passwords=platform.passwords,
                initial_days=platform.settings.initial_password_days,
            )
        else:
            user_id = row_id(values["user_id"])
            found = users.staff_member(db, municipality, user_id) if user_id else None
            if found is None:
                raise InvalidInput(gettext_("This staff member does not exist here."))
            user = found
        if action == "revoke":
            users.revoke_role(db, user, role, municipality=municipality, actor=actor)
        else:
            users.assign_role(
                db, user, role, municipality=municipality, department=department, actor=actor
            )
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        field = next(iter(exc.errors), "username") if action == "create" else "role"
        return _users_page(
            request, state, db, municipality, {field: exc.detail}, values, exc.status
        )
    return RedirectResponse(f"/{municipality.slug}/verwaltung/benutzer", status_code=303)


@router.post("/benutzer/{user_id}/sperre")
def staff_lock(
    user_id: IdPath,
    request: Request,
    state: Annotated[WebState, Depends(staff_page(STAFF_MANAGE))],
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """Lock an account (its sessions end at once) or open it again."""
    found = users.staff_member(db, municipality, user_id)
    try:
        if found is None:
            raise InvalidInput(gettext_("This staff member does not exist here."))
        users.set_active(
            db,
            found,
            form_text(form, "active") == "1",
            municipality=municipality,
            by=state.principal,
        )
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        return _users_page(request, state, db, municipality, {"lock": exc.detail}, {}, exc.status)
    return RedirectResponse(f"/{municipality.slug}/verwaltung/benutzer", status_code=303)


# ---- API keys ---------------------------------------------------------------------------------

ApiKeyManager = Annotated[WebState, Depends(staff_page(APIKEYS_MANAGE))]


def _keys_page(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Any,
    errors: dict[str, str],
    created: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "backoffice/api_keys.html",
        state,
        status_code=status_code,
        keys=apikeys.list_api_keys(db),
        # Only what this staff member may grant (nobody grants what they do not hold).
        scopes=sorted(i for i in SCOPES.items() if state.principal.holds_scope(i[0])),
        errors=errors,
        created=created,
        labels={"name": gettext_("Name"), "scopes": gettext_("Rights")},
        **layout.staff(
            request, municipality, state.principal, "api-schluessel", gettext_("API keys")
        ),
    )


@router.get("/api-schluessel")
def key_list(
    request: Request, state: ApiKeyManager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _keys_page(request, state, db, municipality, {})


@router.post("/api-schluessel")
def key_change(
    request: Request,
    state: ApiKeyManager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    actor = state.principal.actor
    if form_text(form, "action") == "revoke":
        key_id = form_text(form, "key_id")
        found_id = row_id(key_id)
        if found_id is not None:
            apikeys.revoke_api_key(db, found_id, actor=actor)
        return RedirectResponse(f"/{municipality.slug}/verwaltung/api-schluessel", status_code=303)
    name = form_text(form, "name")
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    errors = {}
    if not name:
        errors["name"] = gettext_("Please name the key (e.g. the device or the partner).")
    if not scopes:
        errors["scopes"] = gettext_("Please choose at least one right.")
    if not errors:
        try:
            key, secret = apikeys.create_api_key(
                db, name=name, scopes=scopes, actor=actor, grantor=state.principal
            )
        except ServiceError as exc:
            errors["scopes"] = exc.detail
        else:
            # Shown once, in this response; never stored in plain text.
            return _keys_page(request, state, db, municipality, {}, (key.name, secret), 201)
    return _keys_page(request, state, db, municipality, errors, None, 422)


# ---- audit log ---------------------------------------------------------------------------------


@router.get("/protokoll")
def audit_log(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(AUDIT_READ))],
    db: TenantDbDep,
    municipality: MunicipalityDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(100)
    if before:
        query = query.where(AuditEntry.id < before)
    entries = list(db.scalars(query))
    verification = audit.verify(db, municipality_id=municipality.id)
    return render(
        request,
        "backoffice/audit.html",
        state,
        entries=entries,
        verification=verification,
        names=staff_names(db, municipality),
        older=entries[-1].id if len(entries) == 100 else None,
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "protokoll", gettext_("Audit log")),
    )
