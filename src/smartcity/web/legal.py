"""Every municipality's pages that a public website in Germany needs, linked from the footer
of each portal page: imprint (§ 5 DDG), privacy policy (Art. 13 GDPR; modules add sections,
`Module.privacy_sections`), accessibility statement with the feedback form BITV 2.0 § 7
requires, and contact. Texts are the municipality's (`core.tenancy.profile`) or, where it set
none, the defaults in the templates. Also the municipality's logo and the stylesheet of its
colour, both served by us."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from smartcity.core.errors import NotFound
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, TenantDbDep, public
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending, queue_mail
from smartcity.core.modules import registry_of
from smartcity.core.tenancy.models import Municipality, MunicipalityProfile
from smartcity.core.tenancy.profile import COLOUR, colour_problem, profile_of
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState

router = APIRouter(prefix="/{municipality}", include_in_schema=False)

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}")
MESSAGE_MAX = 5000
# The logo on its own: nothing in it may run or load anything (an SVG is a document).
LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _frame(request: Request, municipality: Municipality, title: str) -> dict[str, Any]:
    # No area of the navigation is current: these pages belong to none.
    return layout.portal(request, municipality, "-", title)


def _profile(db: TenantDbDep) -> MunicipalityProfile:
    return profile_of(db) or MunicipalityProfile()


def recipient(profile: MunicipalityProfile, platform: PlatformDep) -> str:
    """Where feedback goes: the municipality's contact, else the platform's own sender
    address (whoever operates the instance reads it)."""
    return profile.contact_email or parseaddr(platform.settings.mail_from)[1]


@router.get("/impressum")
def imprint(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "portal/imprint.html",
        state,
        profile=_profile(db),
        **_frame(request, municipality, gettext_("Imprint")),
    )


@router.get("/datenschutz")
def privacy(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "portal/privacy.html",
        state,
        profile=_profile(db),
        privacy_sections=registry_of(request).privacy_sections(),
        **_frame(request, municipality, gettext_("Privacy policy")),
    )


@router.get("/kontakt")
def contact(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "portal/contact.html",
        state,
        profile=_profile(db),
        **_frame(request, municipality, gettext_("Contact")),
    )


def _accessibility_page(
    request: Request,
    state: WebState,
    municipality: Municipality,
    profile: MunicipalityProfile,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    sent: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "portal/accessibility.html",
        state,
        status_code=status_code,
        profile=profile,
        values=values or {},
        errors=errors or {},
        labels={
            "email": gettext_("Your e-mail address"),
            "message": gettext_("What did not work for you?"),
        },
        sent=sent,
        message_max=MESSAGE_MAX,
        **_frame(request, municipality, gettext_("Accessibility statement")),
    )


@router.get("/barrierefreiheit")
def accessibility(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    gesendet: Annotated[bool, Query()] = False,
) -> Response:
    return _accessibility_page(request, state, municipality, _profile(db), sent=gesendet)


@router.post("/barrierefreiheit", dependencies=[Depends(anonymous_submission)])
def accessibility_feedback(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    """The feedback mechanism of BITV 2.0 § 7: a message about a barrier goes by e-mail to the
    municipality's contact, and the sender gets a confirmation. Nothing else is stored (the
    outgoing mail is deleted a week after it was sent, core/mail)."""
    values = {
        "name": form_text(form, "name", 200),
        "email": form_text(form, "email", 254),
        "page": form_text(form, "page", 500),
        "message": form_text(form, "message", MESSAGE_MAX + 1),
    }
    errors: dict[str, str] = {}
    if not EMAIL.fullmatch(values["email"]):
        errors["email"] = gettext_(
            "Please give your e-mail address, so that we can answer you (e.g. name@example.org)."
        )
    if not values["message"]:
        errors["message"] = gettext_("Please describe what did not work for you.")
    elif len(values["message"]) > MESSAGE_MAX:
        errors["message"] = gettext_("Please write at most %(limit)s characters.") % {
            "limit": f"{MESSAGE_MAX:,}".replace(",", "." if state.language == "de" else ",")
        }
    profile = _profile(db)
    if errors:
        return _accessibility_page(
            request, state, municipality, profile, values=values, errors=errors, status_code=422
        )
    name = municipality.shown_name
    # The office reads German; the sender gets the confirmation in the page's language.
    queue_mail(
        db,
        to=recipient(profile, platform),
        subject=f"Barriere gemeldet: {values['page'] or 'Portal'}"[:200],
        body=(
            "Über das Formular der Erklärung zur Barrierefreiheit kam diese Rückmeldung.\n\n"
            f"Name: {values['name'] or '–'}\n"
            f"E-Mail: {values['email']}\n"
            f"Seite: {values['page'] or '–'}\n\n"
            f"{values['message']}\n\n"
            "Bitte antworten Sie innerhalb eines Monats (§ 7 Abs. 1 BITV 2.0)."
        ),
    )
    queue_mail(
        db,
        to=values["email"],
        subject=gettext_("Your feedback on accessibility – %(name)s") % {"name": name},
        body=gettext_(
            "Thank you for your feedback. %(name)s has received your message and will answer "
            "you within one month.\n\nYour message:\n\n%(message)s"
        )
        % {"name": name, "message": values["message"]},
    )
    # Sent after the commit (the background task runs after the response).
    background.add_task(deliver_pending, platform)
    response = RedirectResponse(
        f"/{municipality.slug}/barrierefreiheit?gesendet=true#rueckmeldung", status_code=303
    )
    state.apply_cookies(response)
    return response


@router.get("/logo", dependencies=[Depends(public)])
def logo(db: TenantDbDep, municipality: MunicipalityDep) -> Response:
    profile = profile_of(db)
    if profile is None or profile.logo is None or profile.logo_type is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    return Response(
        profile.logo,
        media_type=profile.logo_type,
        headers={
            "Cache-Control": "public, max-age=86400",
            "Content-Security-Policy": LOGO_POLICY,
        },
    )


@router.get("/gestaltung.css", dependencies=[Depends(public)])
def theme(
    municipality: MunicipalityDep, farbe: Annotated[str, Query(max_length=6)] = ""
) -> Response:
    """The municipality's colour as KERN's action colour (buttons, links, the header). The
    colour is taken from the municipality, the query only makes the address change with it."""
    colour = municipality.brand_colour
    css = ""
    if colour and COLOUR.match(colour) and colour_problem(colour) is None:
        css = (
            "body[data-kern-theme] {\n"
            f"  --kern-color-action-default: {colour};\n"
            f"  --brand: {colour};\n"
            "}\n"
        )
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})
