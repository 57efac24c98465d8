"""The WiFi pages: on the portal "WLAN in der Nähe" (a place or coordinates, the nearest
hotspots that are online, with the number of connected devices; no script needed); in the
back office the hotspots with their state and open outage cases, the node list's address and
its last result, and an upload of a node list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout, near
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.i18n import gettext_noop as _
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.wifi import nodelist, outages, services
from smartcity.wifi.permissions import WIFI_MANAGE
from smartcity.wifi.words import STATE_WORDS, state_key

portal_pages = APIRouter(prefix="/{municipality}/wlan", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/wlan", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(WIFI_MANAGE))]
Short = Annotated[str, Query(max_length=100)]
# A node list sent through the form; the platform's request limit applies first.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# What a field of the settings needs; the portal's coordinates are explained by core.web.near.
HINTS = {
    "url": _("An address that starts with https://, or empty."),
    "url:credentials": _(
        "An address without a user name or password: the node list must be public."
    ),
    "name_prefix": _("At most 50 characters, or empty."),
    "offline_minutes": _("A whole number of minutes between 5 and 10080 (a week)."),
}


def _message(message: str, values: dict[str, Any]) -> str:
    """A stored or raised message id in the page's language, filled with its values."""
    text = gettext_(message)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        # A message stored by an older version whose values no longer fit: say it plainly.
        return message


def _words() -> dict[str, Any]:
    return {"state_words": STATE_WORDS, "state_key": state_key}


# ---- portal ------------------------------------------------------------------------------


@portal_pages.get("")
def near_me(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    ort: Short = "",
    lat: Short = "",
    lon: Short = "",
    alle: Short = "",
) -> Response:
    """The nearest hotspots to a place, a point or the town centre."""
    page = near.search(
        municipality,
        ort,
        lat,
        lon,
        alle,
        places_named=lambda text: [
            near.Place(p.name, p.lat, p.lon) for p in services.places_named(db, text)
        ],
        unknown=gettext_("We know no hotspot called “%(text)s”. Try a square or a street."),
    )
    found = services.nearest(db, page.origin.lat, page.origin.lon, only_online=not page.show_all)
    return render(
        request,
        "wifi/near.html",
        state,
        status_code=page.status_code,
        found=found,
        **page.context(),
        **_words(),
        **layout.portal(request, municipality, "wlan", gettext_("WiFi near me")),
    )


# ---- back office -------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    texts = {
        "url": _("Address of the node list"),
        "name_prefix": _("Only routers whose name starts with"),
        "offline_minutes": _("Open a case after this many minutes offline"),
        "file": _("Node list (meshviewer.json or nodes.json)"),
    }
    return {key: gettext_(text) for key, text in texts.items()}


def _overview(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    source = services.source_of(db)
    result = _message(source.result, source.result_values) if source.result else ""
    return render(
        request,
        "wifi/staff.html",
        state,
        status_code=status_code,
        summary=services.summary(db),
        outages=outages.open_outages(db),
        source=source,
        result=result,
        form=form,
        values=values or {},
        errors=errors or {},
        labels=_labels(),
        saved=request.query_params.get("gespeichert") is not None,
        zone=municipality.timezone,
        **_words(),
        **layout.staff(request, municipality, state.principal, "wlan", gettext_("Public WiFi")),
    )


@staff_pages.get("")
def overview(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _overview(request, state, db, municipality)


def _done(municipality: Municipality) -> Response:
    return RedirectResponse(f"/{municipality.slug}/verwaltung/wlan?gespeichert", status_code=303)


@staff_pages.post("/quelle")
def set_source(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    values = {
        "url": form_text(form, "url", 600),
        "name_prefix": form_text(form, "name_prefix", 60),
        "offline_minutes": form_text(form, "offline_minutes", 10),
    }
    minutes = values["offline_minutes"]
    try:
        services.set_source(
            db,
            url=values["url"],
            name_prefix=values["name_prefix"],
            offline_minutes=int(minutes) if minutes.isdigit() else -1,
            actor=state.principal.actor,
        )
    except InvalidInput as exc:
        errors = {
            name: gettext_(HINTS.get(f"{name}:{reason}", HINTS[name]))
            for name, reason in exc.errors.items()
        }
        if exc.errors.get("url") == "credentials":
            # A refused address may carry a password: it is not written back into the page.
            values["url"] = ""
        return _overview(
            request,
            state,
            db,
            municipality,
            form="source",
            values=values,
            errors=errors,
            status_code=422,
        )
    return _done(municipality)


@staff_pages.post("/knotenliste")
async def upload(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    file = form.get("file")
    problem = ""
    listing = None
    if not isinstance(file, UploadFile) or not file.filename:
        problem = gettext_("Please choose a node list (a JSON file).")
    else:
        body = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(body) > MAX_UPLOAD_BYTES:
            problem = gettext_("The file is larger than 10 MB.")
        else:
            try:
                listing = await run_in_threadpool(nodelist.parse, body)
            except nodelist.NodeListBroken as exc:
                problem = _message(exc.message, exc.values)
    if listing is None:
        return await run_in_threadpool(
            _overview,
            request,
            state,
            db,
            municipality,
            form="upload",
            errors={"file": problem},
            status_code=422,
        )
    await run_in_threadpool(services.apply, db, municipality, listing, actor=state.principal.actor)
    return _done(municipality)
