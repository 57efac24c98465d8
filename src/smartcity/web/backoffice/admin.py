"""Back office, administration: the overview, users and roles, API keys, and the audit log
with the result of its verification."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from smartcity.cases import services as cases
from smartcity.cases.pages import staff_names
from smartcity.cases.permissions import CASES_READ
from smartcity.cases.workflow import Workflow
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
    ROLES,
    SCOPES,
    STAFF_MANAGE,
    STAFF_READ,
    StaffRole,
)
from smartcity.core.modules import registry_of
from smartcity.core.web import layout
from smartcity.core.web.dates import field_value, parse_day
from smartcity.core.web.deps import FormDep, form_text, row_id, staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.lighting import services as lighting
from smartcity.lighting.permissions import LIGHTING_READ
from smartcity.watermeter.models import MeterReading
from smartcity.watermeter.permissions import WATERMETER_MANAGE
from smartcity.web.backoffice.audit_texts import action_label, object_label
from smartcity.web.backoffice.audit_texts import changes as audit_changes
from smartcity.web.permissions import COCKPIT_VIEW

router = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)


def assignable_roles(request: Request) -> list[StaffRole]:
    """The roles the installed modules declare that are given in a municipality (the
    region's are appointed with the CLI)."""
    return [role for role in registry_of(request).roles() if not role.region]


def role_label(role: str, language: str) -> str:
    """A stored role in the reader's language, as its module declares it (the key itself if
    no installed module declares it any more)."""
    declared = ROLES.get(role)
    return declared.label_in(language) if declared is not None else role


def scope_label(scope: str) -> str:
    """A right of an API key as staff read it: its description in their language (the
    scope's code is for integrators and stays in the API)."""
    return gettext_(SCOPES.get(scope, scope))


def _confirmed(form: Any) -> bool:
    return form_text(form, "confirmed") == "yes"


def _confirm_page(
    request: Request,
    state: WebState,
    municipality: Any,
    current: str,
    *,
    question: str,
    consequences: list[str],
    confirm_label: str,
    action: str,
    fields: list[tuple[str, str]],
    cancel_url: str,
    **extra: Any,
) -> Response:
    """The step between pressing a destructive button and the change: a page that names what
    will happen. Only its own button (which sends confirmed=yes) changes anything."""
    return render(
        request,
        "backoffice/confirm.html",
        state,
        question=question,
        consequences=consequences,
        confirm_label=confirm_label,
        action=action,
        fields=fields,
        cancel_url=cancel_url,
        **extra,
        **layout.staff(request, municipality, state.principal, current, question),
    )


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
    assignable = assignable_roles(request)
    staff = []
    for user, labels in users.staff_of(db, municipality):
        roles = []
        for label in labels:
            role, _sep, department = label.partition(":")
            roles.append((role, role_label(role, state.language), department))
        staff.append((user, roles))
    return render(
        request,
        "backoffice/users.html",
        state,
        status_code=status_code,
        staff=staff,
        roles=[(role.key, role.label_in(state.language)) for role in assignable],
        role_descriptions=[
            (role.label_in(state.language), role.description_in(state.language))
            for role in assignable
        ],
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
        # Only a role an installed module declares (and not the region's).
        chosen = {role.key: role for role in assignable_roles(request)}.get(values["role"])
        if chosen is None:
            raise InvalidInput(gettext_("Please choose a role."), errors={"role": ""})
        role = chosen
        department = values["department"] or None
        if role.needs_department and not department and action != "revoke":
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
        if action == "revoke" and not _confirmed(form):
            role_name = role.label_in(state.language)
            who = user.display_name or user.username
            return _confirm_page(
                request,
                state,
                municipality,
                "benutzer",
                question=gettext_("Remove the role “%(role)s” from %(name)s?")
                % {"role": role_name, "name": who},
                consequences=[
                    gettext_(
                        "From their next page on, %(name)s can no longer do what this role "
                        "allows. You can assign the role again later."
                    )
                    % {"name": who}
                ],
                confirm_label=gettext_("Remove the role"),
                action=f"/{municipality.slug}/verwaltung/benutzer",
                fields=[
                    ("action", "revoke"),
                    ("user_id", str(user.id)),
                    ("role", role.key),
                    ("department", values["department"]),
                ],
                cancel_url=f"/{municipality.slug}/verwaltung/benutzer",
            )
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
    activate = form_text(form, "active") == "1"
    try:
        if found is None:
            raise InvalidInput(gettext_("This staff member does not exist here."))
        if not activate and not _confirmed(form):
            # Opening an account again harms nobody; locking one ends its work at once.
            who = found.display_name or found.username
            return _confirm_page(
                request,
                state,
                municipality,
                "benutzer",
                question=gettext_("Lock the account of %(name)s?") % {"name": who},
                consequences=[
                    gettext_(
                        "%(name)s is logged out at once and cannot log in until the account "
                        "is unlocked. Their cases and entries stay as they are."
                    )
                    % {"name": who}
                ],
                confirm_label=gettext_("Lock the account"),
                action=f"/{municipality.slug}/verwaltung/benutzer/{found.id}/sperre",
                fields=[("active", "0")],
                cancel_url=f"/{municipality.slug}/verwaltung/benutzer",
            )
        users.set_active(
            db,
            found,
            activate,
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
        scope_label=scope_label,
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
        found_id = row_id(form_text(form, "key_id"))
        key = next((k for k in apikeys.list_api_keys(db) if k.id == found_id), None)
        if key is not None and key.revoked_at is None and not _confirmed(form):
            return _revoke_question(request, state, municipality, key)
        if key is not None:
            apikeys.revoke_api_key(db, key.id, actor=actor)
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


def _revoke_question(request: Request, state: WebState, municipality: Any, key: Any) -> Response:
    consequences = [
        gettext_(
            "Every device or partner system that uses this key is refused from now on, "
            "e.g. sensors can no longer send readings. This cannot be undone: they need a "
            "new key."
        )
    ]
    return _confirm_page(
        request,
        state,
        municipality,
        "api-schluessel",
        question=gettext_("Revoke the API key “%(name)s”?") % {"name": key.name},
        consequences=consequences,
        confirm_label=gettext_("Revoke the key"),
        action=f"/{municipality.slug}/verwaltung/api-schluessel",
        fields=[("action", "revoke"), ("key_id", str(key.id))],
        cancel_url=f"/{municipality.slug}/verwaltung/api-schluessel",
        # Whether something still uses the key (the simulator, a sensor) is worth seeing here.
        last_used=key.last_used_at,
        never_used=key.last_used_at is None,
        zone=municipality.timezone,
    )


# ---- audit log ---------------------------------------------------------------------------------


AUDIT_PAGE = 50


@router.get("/protokoll")
def audit_log(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(AUDIT_READ))],
    db: TenantDbDep,
    municipality: MunicipalityDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    von: Annotated[str, Query(max_length=10)] = "",
    bis: Annotated[str, Query(max_length=10)] = "",
    wer: Annotated[str, Query(max_length=100)] = "",
    aktion: Annotated[str, Query(max_length=100)] = "",
    objekt: Annotated[str, Query(max_length=100)] = "",
    nummer: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The audit log, newest first, filtered by time, actor, action and object, a page at a
    time (keyset paging on the entry number, so a long log pages as fast as a short one)."""
    zone = ZoneInfo(municipality.timezone)
    errors: dict[str, str] = {}
    first, last = parse_day(von), parse_day(bis)
    if von and first is None:
        errors["von"] = gettext_("Please enter the date as DD.MM.YYYY.")
    if bis and last is None:
        errors["bis"] = gettext_("Please enter the date as DD.MM.YYYY.")
    conditions = []
    if first is not None:
        conditions.append(AuditEntry.created_at >= datetime.combine(first, time(), zone))
    if last is not None:
        end = datetime.combine(last + timedelta(days=1), time(), zone)
        conditions.append(AuditEntry.created_at < end)
    for column, value in (
        (AuditEntry.actor, wer),
        (AuditEntry.action, aktion),
        (AuditEntry.resource_type, objekt),
        (AuditEntry.resource_id, nummer.strip()),
    ):
        if value:
            conditions.append(column == value)
    query = select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
    if before:
        query = query.where(AuditEntry.id < before)
    entries = list(db.scalars(query.limit(AUDIT_PAGE + 1)))
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    entries = entries[:AUDIT_PAGE]
    total = db.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    verification = audit.verify(db, municipality_id=municipality.id)
    names = staff_names(db, municipality)
    for key in apikeys.list_api_keys(db):
        names[f"apikey:{key.id}"] = gettext_("API key “%(name)s”") % {"name": key.name}
    workflow = Workflow.of(None)

    def status(code: str) -> str:
        return workflow.label(code, state.language)

    actors = sorted(
        db.scalars(select(AuditEntry.actor).distinct()),
        key=lambda a: str(names.get(a) or a).lower(),
    )
    actions = sorted(
        db.scalars(select(AuditEntry.action).distinct()), key=lambda a: action_label(a).lower()
    )
    objects = sorted(
        db.scalars(select(AuditEntry.resource_type).distinct()),
        key=lambda o: object_label(o).lower(),
    )
    filters = {
        "von": field_value(von),
        "bis": field_value(bis),
        "wer": wer,
        "aktion": aktion,
        "objekt": objekt,
        "nummer": nummer,
    }
    return render(
        request,
        "backoffice/audit.html",
        state,
        status_code=422 if errors else 200,
        rows=[
            {
                "entry": entry,
                "actor": names.get(entry.actor, entry.actor),
                "action": action_label(entry.action),
                "object": object_label(entry.resource_type),
                "changes": audit_changes(entry.changes or {}, names, status),
            }
            for entry in entries
        ],
        total=total,
        verification=verification,
        filters=filters,
        errors=errors,
        labels={"von": gettext_("From"), "bis": gettext_("To")},
        actor_choices=[(a, names.get(a, a)) for a in actors],
        action_choices=[(a, action_label(a)) for a in actions],
        object_choices=[(o, object_label(o)) for o in objects],
        older_url=("?" + urlencode({**filters, "before": older})) if older else None,
        newest_url=("?" + urlencode(filters)) if before else None,
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "protokoll", gettext_("Audit log")),
    )
