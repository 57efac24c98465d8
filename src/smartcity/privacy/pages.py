"""The portal's pages (the request form with its e-mail confirmation, the privacy notice of
each service) and the officer's page in the back office (the register of processing
activities, the requests with their deadlines, the breaches with their 72-hour clock)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request
from fastapi.responses import Response

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound, ServiceError
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.modules import registry_of
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.privacy import notices, records, register, requests
from smartcity.privacy.declarations import declared
from smartcity.privacy.permissions import PRIVACY_MANAGE

portal_pages = APIRouter(prefix="/{municipality}/datenschutz", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Officer = Annotated[WebState, Depends(staff_page(PRIVACY_MANAGE))]

KIND_LABELS = {
    "access": _("Access to my data (Art. 15 GDPR)"),
    "erasure": _("Erasure of my data (Art. 17 GDPR)"),
    "restriction": _("Restriction of processing (Art. 18 GDPR)"),
    "rectification": _("Correction of my data (Art. 16 GDPR)"),
}
LABELS = {
    "kind": _("What would you like?"),
    "email": _("E-mail address"),
    "name": _("Name"),
    "tracking_codes": _("Tracking codes (optional)"),
    "details": _("Anything else we should know (optional)"),
}


def _request_page(
    request: Request,
    state: WebState,
    municipality: MunicipalityDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    signed_in: bool,
    done: str = "",
    token: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "privacy/request.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors,
        signed_in=signed_in,
        done=done,
        token=token,
        kinds=[(k, gettext_(v)) for k, v in KIND_LABELS.items()],
        labels={k: gettext_(v) for k, v in LABELS.items()},
        **layout.portal(request, municipality, "", gettext_("Your data protection rights")),
    )


@portal_pages.get("/anfrage")
def request_form(
    request: Request,
    state: PageDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
    token: str = "",
) -> Response:
    return _request_page(
        request,
        state,
        municipality,
        values={},
        errors={},
        signed_in=citizen is not None,
        token=token[:100],
    )


@portal_pages.post("/anfrage", dependencies=[Depends(anonymous_submission)])
def request_submit(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
    citizen: CitizenSessionDep,
) -> Response:
    values = {name: form_text(form, name, 320) for name in ("kind", "email", "name")}
    values["tracking_codes"] = form_text(form, "tracking_codes", 300)
    values["details"] = form_text(form, "details", 5000)
    errors: dict[str, str] = {}
    if values["kind"] not in KIND_LABELS:
        errors["kind"] = gettext_("Please choose what you would like.")
    if citizen is None and "@" not in values["email"]:
        errors["email"] = gettext_(
            "Please enter your e-mail address: we send you a link to confirm."
        )
    if errors:
        return _request_page(
            request,
            state,
            municipality,
            values=values,
            errors=errors,
            signed_in=citizen is not None,
            status_code=422,
        )
    new = requests.NewRequest(
        kind=values["kind"],
        email=values["email"] or None,
        name=values["name"] or None,
        citizen_subject=citizen.subject if citizen is not None else None,
        tracking_codes=values["tracking_codes"].replace(",", " ").split(),
        details=values["details"],
        # A correction is described in the details; the officer enters it.
        correction=None,
    )
    try:
        if citizen is not None:
            requests.open_request(
                db,
                new,
                source="portal",
                actor="citizen",
                identity_check="Angemeldet mit dem Bürgerkonto (Servicekonto)",
            )
            done = gettext_("Your request has been received. We answer within one month.")
        else:
            link = portal.base(municipality) + "/datenschutz/anfrage?token={token}"
            requests.request_by_mail(db, municipality, new, link)
            background.add_task(deliver_pending, platform)
            done = gettext_("Please confirm your request with the link we have sent you by e-mail.")
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        return _request_page(
            request,
            state,
            municipality,
            values=values,
            errors={"kind": exc.detail},
            signed_in=citizen is not None,
            status_code=422,
        )
    return _request_page(
        request, state, municipality, values={}, errors={}, signed_in=citizen is not None, done=done
    )


@portal_pages.post("/anfrage/bestaetigen", dependencies=[Depends(anonymous_submission)])
def request_confirm(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    try:
        requests.confirm(db, form_text(form, "token", 100))
    except NotFound:
        return _request_page(
            request,
            state,
            municipality,
            values={},
            errors={
                "token": gettext_(
                    "This confirmation link is not valid (any more). "
                    "Please make your request again."
                )
            },
            signed_in=False,
            status_code=404,
        )
    done = gettext_("Thank you, your request is confirmed. We answer within one month.")
    return _request_page(
        request, state, municipality, values={}, errors={}, signed_in=False, done=done
    )


@portal_pages.get("/hinweise")
def notice_index(request: Request, state: PageDep, municipality: MunicipalityDep) -> Response:
    found = notices.services(declared(registry_of(request)))
    return render(
        request,
        "privacy/notices.html",
        state,
        services=[(s, gettext_(notices.SERVICES.get(s, s))) for s in found],
        **layout.portal(request, municipality, "", gettext_("Privacy notices of our services")),
    )


@portal_pages.get("/hinweise/{service}")
def notice(
    service: Annotated[str, Path(pattern=r"^[a-z0-9-]{2,63}$")],
    request: Request,
    state: PageDep,
    municipality: MunicipalityDep,
) -> Response:
    entries = notices.notice(declared(registry_of(request)), service)
    if not entries:
        raise NotFound("There is no such service.")
    title = gettext_(notices.SERVICES.get(service, service))
    return render(
        request,
        "privacy/notice.html",
        state,
        service_name=title,
        entries=entries,
        **layout.portal(request, municipality, "", gettext_("Privacy notice") + ": " + title),
    )


@staff_pages.get("/datenschutz")
def officer_page(
    request: Request, state: Officer, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    now = utcnow()
    built = register.build(db, municipality, declared(registry_of(request)))
    return render(
        request,
        "privacy/officer.html",
        state,
        register=built,
        requests=requests.listing(db),
        breaches=[
            (b, records.hours_left(b, now), records.late(b, now)) for b in records.breaches(db)
        ],
        now=now,
        kind_labels={k: gettext_(v) for k, v in KIND_LABELS.items()},
        **layout.staff(
            request, municipality, state.principal, "datenschutz", gettext_("Data protection")
        ),
    )
