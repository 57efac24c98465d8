"""The moderation's blocks, word list and posts held for review (blocking.py), on the
moderation page of the back office."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.web.deps import FormDep, form_text, row_id
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import _
from smartcity.participation import blocking
from smartcity.participation.pages import Moderator, moderation_page

blocking_pages = APIRouter(
    prefix="/{municipality}/verwaltung/beteiligung/moderation", include_in_schema=False
)
# The services' messages (English), listed here so that the catalogue has them.
SERVICE_MESSAGES = (
    _("Please give the reason for the block."),
    _("This contribution has no citizen account to block."),
    _("There is no such block."),
    _("The list can hold at most 500 words."),
    _("A word or phrase can have at most 100 characters."),
    _("There is no such contribution held for review."),
    _("Your account is blocked for contributions in this municipality's participation."),
)


def _back(municipality_slug: str, anchor: str) -> str:
    return f"/{municipality_slug}/verwaltung/beteiligung/moderation#{anchor}"


@blocking_pages.post("/sperren")
def block(
    request: Request,
    state: Moderator,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """Blocks the author of a reported or held contribution."""
    target_type = form_text(form, "target_type", 10)
    target_id = row_id(form_text(form, "target_id", 20)) or 0

    def change() -> str:
        blocking.block(
            db,
            target_type,
            target_id,
            reason=form_text(form, "reason", 500),
            actor=state.principal.actor,
        )
        return _back(municipality.slug, "gesperrt")

    def again(errors: dict[str, str], status: int) -> Response:
        return moderation_page(request, state, db, municipality, errors, status)

    return submit(change, again)


@blocking_pages.post("/sperren/{block_id}/aufheben")
def unblock(
    request: Request,
    block_id: IdPath,
    state: Moderator,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    def change() -> str:
        blocking.unblock(db, block_id, actor=state.principal.actor)
        return _back(municipality.slug, "gesperrt")

    def again(errors: dict[str, str], status: int) -> Response:
        return moderation_page(request, state, db, municipality, errors, status)

    return submit(change, again)


@blocking_pages.post("/woerter")
def word_list(
    request: Request,
    state: Moderator,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """Saves the word list (one word or phrase per line)."""
    text = form_text(form, "words", blocking.MAX_WORDS * (blocking.MAX_WORD + 2))

    def change() -> str:
        blocking.set_words(db, text.splitlines(), actor=state.principal.actor)
        return _back(municipality.slug, "woerter")

    def again(errors: dict[str, str], status: int) -> Response:
        return moderation_page(request, state, db, municipality, errors, status, words=text)

    return submit(change, again)
