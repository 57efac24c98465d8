"""Following a paper or a committee on the portal: the follow and stop buttons (forms without
JavaScript, on the paper's and the organization's page) and the unsubscribe link of the mails
(a GET shows a button and changes nothing, so mail scanners that open links end nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.errors import NotFound, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep, get_platform
from smartcity.core.identity.models import CitizenSession
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import unsubscribe
from smartcity.core.web.deps import FormDep, PageDep, form_text
from smartcity.core.web.forms import in_language
from smartcity.core.web.i18n import _, gettext_, gettext_noop
from smartcity.council import following
from smartcity.council.models import Organization, Paper
from smartcity.council.models_following import Follow
from smartcity.council.oparl import KINDS

follow_portal = APIRouter(prefix="/{municipality}/ratsinfo", include_in_schema=False)

# The service's message (English), listed so that the catalogue has it.
SERVICE_MESSAGES = (
    _("Your citizen account has no confirmed e-mail address, so we cannot send you e-mails."),
)


@dataclass(frozen=True)
class FollowBox:
    """The follow section of a paper's or an organization's portal page."""

    kind: str  # "paper" or "organization"
    action: str
    signed_in: bool
    follows: bool
    has_email: bool
    login_url: str


def _login_url(page: str) -> str:
    return f"/citizen/login?next={quote(page)}"


def box(
    db: Session,
    municipality: Municipality,
    target: following.Target,
    citizen: CitizenSession | None,
) -> FollowBox:
    subject = citizen.subject if citizen is not None else None
    segment = "vorlagen" if isinstance(target, Paper) else "gremien"
    page = f"/{municipality.slug}/ratsinfo/{segment}/{target.id}"
    return FollowBox(
        kind="paper" if isinstance(target, Paper) else "organization",
        action=f"{page}/folgen",
        signed_in=citizen is not None,
        follows=following.follows(db, target, subject),
        has_email=bool(citizen is not None and citizen.email),
        login_url=_login_url(page),
    )


def mailing(request: Request, municipality: Municipality) -> following.Mailing:
    """The mails' links and time zone for this municipality (for the office's pages)."""
    settings = get_platform(request).settings
    return following.Mailing(
        portal_url=f"{settings.effective_public_url}/{municipality.slug}/ratsinfo",
        zone=ZoneInfo(municipality.timezone),
        secret=settings.require_secret_key(),
    )


def _public_paper(db: Session, paper_id: int) -> Paper:
    paper = db.scalar(select(Paper).where(Paper.id == paper_id, KINDS["paper"].listed()))
    if paper is None:
        raise NotFound(gettext_("There is no such paper."))
    return paper


def _organization(db: Session, organization_id: int) -> Organization:
    organization = db.get(Organization, organization_id)
    if organization is None or organization.deleted:
        raise NotFound(gettext_("There is no such organization."))
    return organization


def _button(
    db: Session,
    form: Any,
    target: following.Target,
    page: str,
    citizen: CitizenSession | None,
    language: str,
) -> Response:
    """Start or stop following, then back to the page; without the citizen login to it."""
    if citizen is None:
        return RedirectResponse(_login_url(page), status_code=303)
    if form_text(form, "action", 10) == "stop":
        following.unfollow(db, target, citizen_subject=citizen.subject)
    else:
        try:
            following.follow(
                db,
                target,
                citizen_subject=citizen.subject,
                email=citizen.email,
                language=language,
            )
        except ServiceError as exc:
            raise in_language(exc) from None
    return RedirectResponse(f"{page}#folgen", status_code=303)


@follow_portal.post("/vorlagen/{paper_id}/folgen")
def follow_paper(
    paper_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    """Follow a paper by e-mail (new documents, put on an agenda) or stop following it."""
    paper = _public_paper(db, paper_id)
    page = f"/{municipality.slug}/ratsinfo/vorlagen/{paper.id}"
    return _button(db, form, paper, page, citizen, state.language)


@follow_portal.post("/gremien/{organization_id}/folgen")
def follow_organization(
    organization_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    """Follow a committee by e-mail (its new meetings) or stop following it."""
    organization = _organization(db, organization_id)
    page = f"/{municipality.slug}/ratsinfo/gremien/{organization.id}"
    return _button(db, form, organization, page, citizen, state.language)


def _about(db: Session, found: Follow) -> str:
    target = following.public_target(db, found)
    if isinstance(target, Paper):
        return gettext_("You receive e-mails about the paper “%(title)s”.") % {
            "title": following.paper_label(target)
        }
    if target is not None:
        return gettext_("You receive e-mails about “%(title)s”.") % {"title": target.name}
    return gettext_("You receive e-mails from the council information system.")


unsubscribe.add_routes(
    follow_portal,
    unsubscribe.UnsubscribePage(
        area="ratsinfo",
        heading=gettext_noop("E-mails from the council"),
        back_label=gettext_noop("Council"),
        ended=gettext_noop("You will receive no more e-mails about this."),
        invalid=gettext_noop(
            "This link is no longer valid: the e-mails have been stopped already, or the link "
            "is not complete."
        ),
        find=lambda db, token, secret: following.by_token(db, token, secret=secret),
        about=_about,
        end=following.end,
    ),
)
