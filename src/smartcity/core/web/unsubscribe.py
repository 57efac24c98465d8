"""The page behind the unsubscribe link of a module's mails (`core/mail/unsubscribe.py` makes
and checks the link). A GET shows what the mails are about and a button, and changes nothing,
so that mail scanners which open every link end no subscription; the button's POST ends it.
A link that finds nothing (ended already, forged, another municipality's) is a 404 with a
page that says so. The module says only what differs: how a link finds its row, what the mails
are about, how the row ends, and its texts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartcity.core.http.deps import MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState

T = TypeVar("T")
Token = Annotated[str, Path(max_length=100)]


@dataclass(frozen=True)
class UnsubscribePage(Generic[T]):
    """One module's unsubscribe page; the texts are English messages of the module's
    catalogue (marked with `_()` where they are written)."""

    area: str  # the portal area under /{municipality}/ the page belongs to, e.g. "ratsinfo"
    heading: str
    back_label: str
    ended: str  # shown after the button: no more mails
    invalid: str  # the link finds nothing
    find: Callable[[Session, str, str], T | None]  # (db, link, server secret) -> the row
    about: Callable[[Session, T], str]  # the sentence "You receive e-mails about …", translated
    end: Callable[[Session, T], None]


def add_routes(router: APIRouter, page: UnsubscribePage[T]) -> None:
    """GET and POST `/abbestellen/{token}` on `router` (a portal router of the area)."""

    def show(
        request: Request,
        state: WebState,
        municipality: Municipality,
        *,
        found: bool,
        about: str,
        done: bool,
    ) -> Response:
        return render(
            request,
            "unsubscribe.html",
            state,
            status_code=200 if found else 404,
            found=found,
            done=done,
            about=about,
            ended=gettext_(page.ended),
            invalid=gettext_(page.invalid),
            back_url=f"/{municipality.slug}/{page.area}",
            back_label=gettext_(page.back_label),
            **layout.portal(request, municipality, page.area, gettext_(page.heading)),
        )

    @router.get("/abbestellen/{token}")
    def unsubscribe_page(
        request: Request,
        token: Token,
        state: PageDep,
        db: TenantDbDep,
        municipality: MunicipalityDep,
        platform: PlatformDep,
    ) -> Response:
        """The link in every mail: a page with a button."""
        found = page.find(db, token, platform.settings.require_secret_key())
        about = page.about(db, found) if found is not None else ""
        return show(request, state, municipality, found=found is not None, about=about, done=False)

    @router.post("/abbestellen/{token}")
    def unsubscribe(
        request: Request,
        token: Token,
        state: PageDep,
        form: FormDep,
        db: TenantDbDep,
        municipality: MunicipalityDep,
        platform: PlatformDep,
    ) -> Response:
        """The page's button: ends the subscription."""
        found = page.find(db, token, platform.settings.require_secret_key())
        if found is None:
            return show(request, state, municipality, found=False, about="", done=True)
        page.end(db, found)
        return show(request, state, municipality, found=True, about="", done=True)
