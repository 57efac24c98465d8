"""Back office: how the municipality's portal presents itself — the name in the header, the
colour (checked for contrast with white text), the logo, the contact and the texts of the
legal pages (`core.tenancy.profile`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep
from smartcity.core.tenancy import profile as profiles
from smartcity.core.tenancy.models import Municipality, MunicipalityProfile
from smartcity.core.web import i18n, layout
from smartcity.core.web.deps import FormDep, form_text, staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.web.permissions import SITE_MANAGE

router = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)

StaffState = Annotated[WebState, Depends(staff_page(SITE_MANAGE))]
FIELDS = (
    "display_name",
    "colour",
    "contact_email",
    "contact_phone",
    "contact_address",
    "imprint",
    "privacy",
    "accessibility",
)
LIMITS = {"contact_address": 2000, "imprint": 20_001, "privacy": 20_001, "accessibility": 20_001}


def _values(municipality: Municipality, profile: MunicipalityProfile | None) -> dict[str, str]:
    values = {
        "display_name": municipality.display_name or "",
        "colour": municipality.brand_colour or "",
    }
    for name in FIELDS[2:]:
        values[name] = (getattr(profile, name) if profile else None) or ""
    return values


def _page(
    request: Request,
    state: WebState,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    saved: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "backoffice/appearance.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors,
        saved=saved,
        has_logo=bool(municipality.logo_version),
        labels={
            "display_name": gettext_("Name in the header"),
            "colour": gettext_("Colour"),
            "contact_email": gettext_("E-mail address for contact and feedback"),
            "contact_phone": gettext_("Telephone"),
            "contact_address": gettext_("Postal address"),
            "imprint": gettext_("Imprint"),
            "privacy": gettext_("Privacy policy"),
            "accessibility": gettext_("Accessibility statement"),
            "logo": gettext_("Logo or coat of arms"),
        },
        **layout.staff(
            request, municipality, state.principal, "auftritt", gettext_("Portal appearance")
        ),
    )


def _translated(errors: dict[str, str], colour: str) -> dict[str, str]:
    shown = {}
    for name, message in errors.items():
        text = gettext_(message)
        if name == "colour" and "%(ratio)s" in message:
            ratio = f"{profiles.contrast_with_white(colour):.1f}"
            if i18n.current_language.get() == "de":
                ratio = ratio.replace(".", ",")
            text = text % {"ratio": ratio}
        shown[name] = text
    return shown


@router.get("/auftritt")
def appearance(
    request: Request,
    state: StaffState,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    gespeichert: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    values = _values(municipality, profiles.profile_of(db))
    return _page(request, state, municipality, values, {}, saved=gespeichert)


@router.post("/auftritt")
def appearance_save(
    request: Request,
    state: StaffState,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values = {name: form_text(form, name, LIMITS.get(name, 254)) for name in FIELDS}
    texts = profiles.Texts(**values)
    try:
        profiles.save_profile(db, municipality, texts, actor=state.principal.actor)
    except InvalidInput as exc:
        errors = _translated(exc.errors, values["colour"])
        return _page(request, state, municipality, values, errors, status_code=422)
    return _done(state, municipality, "texte")


@router.post("/auftritt/logo")
def appearance_logo(
    request: Request,
    state: StaffState,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    upload = form.get("logo")
    errors: dict[str, str] = {}
    if form_text(form, "action") == "remove":
        profiles.remove_logo(db, municipality, actor=state.principal.actor)
        return _done(state, municipality, "logo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["logo"] = gettext_("Please choose a PNG or SVG file.")
    else:
        data = upload.file.read(profiles.LOGO_MAX_BYTES + 1)
        try:
            profiles.set_logo(db, municipality, data, actor=state.principal.actor)
        except InvalidInput as exc:
            errors = _translated(exc.errors, "")
    if errors:
        values = _values(municipality, profiles.profile_of(db))
        return _page(request, state, municipality, values, errors, status_code=422)
    return _done(state, municipality, "logo")


def _done(state: WebState, municipality: Municipality, what: str) -> Response:
    response = RedirectResponse(
        f"/{municipality.slug}/verwaltung/auftritt?gespeichert={what}", status_code=303
    )
    state.apply_cookies(response)
    return response
