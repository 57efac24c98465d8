"""Dependencies of the web pages: the page state (language, CSRF), the posted form (CSRF
checked), and the guard of back-office pages (a staff session with a permission, or a
redirect to the login page).

Every page route declares `Depends(page)` (public) or `Depends(staff_page(PERMISSION))`,
the same deny-by-default rule the API follows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import inspect
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from smartcity.core.db import MAX_ROW_ID, transaction
from smartcity.core.errors import NotAuthenticated, PermissionDenied, ServiceError
from smartcity.core.http.deps import (
    SESSION_COOKIE,
    DbDep,
    PlatformDep,
    TenantDbDep,
    public,
    user_principal,
)
from smartcity.core.http.middleware import BODY_LIMIT_KEY
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.permissions import Permission, Principal
from smartcity.core.identity.sessions import resolve_session
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.services import PayloadTooLarge, UploadLimits
from smartcity.core.web import i18n
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState, check_csrf, web_state

MAX_FORM_FIELDS = 300
MAX_FORM_FILES = 10

STATUS_TEXTS = {
    400: (i18n._("Request not understood"), i18n._("The request could not be processed.")),
    403: (i18n._("Access denied"), i18n._("You are not allowed to do this.")),
    404: (i18n._("Not found"), i18n._("This page or entry does not exist.")),
    409: (i18n._("Not possible right now"), ""),
    410: (i18n._("No longer available"), ""),
    412: (i18n._("Changed in the meantime"), ""),
    413: (i18n._("Too large"), ""),
    415: (i18n._("File type not accepted"), ""),
    422: (i18n._("Please check your entries"), ""),
    429: (i18n._("Too many requests"), i18n._("Please wait a moment and try again.")),
    500: (i18n._("Something went wrong"), i18n._("The error was logged. Please try later.")),
    503: (i18n._("Temporarily unavailable"), i18n._("Please try again in a moment.")),
}


def error_page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None
) -> Response:
    """How a failing page request is answered: the login page for a missing login, else an
    error page in the visitor's language (the API answers problem JSON instead)."""
    if status == 401:
        return RedirectResponse(f"/anmelden?next={quote(request.url.path)}", status_code=303)
    if status == 413 and not detail:  # the request grew past the limit while it was read
        return too_large_page(request)
    state: WebState = getattr(request.state, "web", None) or web_state(
        request, request.app.state.platform.settings.cookie_secure
    )
    if state.user is not None and inspect(state.user).expired:
        state = replace(state, user=_account_again(request, state.user))
    title, explanation = STATUS_TEXTS.get(status, STATUS_TEXTS[400 if status < 500 else 500])
    explanation = i18n.gettext_(explanation) if explanation else ""
    # A 404's detail names the missing thing in the words of the code ("There is no
    # municipality 'x'."), a 429's is written for API clients in both languages: the page's
    # explanation in the visitor's language says all they need.
    shown = detail if status not in (500, 429, 404, 401) and detail != explanation else ""
    response = render(
        request,
        "error.html",
        state,
        status_code=status,
        title=i18n.gettext_(title),
        explanation=explanation,
        detail=shown,
    )
    for name, value in (headers or {}).items():
        if name.lower() != "www-authenticate":
            response.headers[name] = value
    return response


def _account_again(request: Request, user: UserAccount) -> UserAccount | None:
    """The logged-in account read again: the request's session rolled back with the error and
    expired what it had loaded, and the page's frame names the user."""
    identity = inspect(user).identity
    if not identity:
        return None
    with transaction(request.app.state.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        found = db.get(UserAccount, identity[0])
        if found is not None:
            db.expunge(found)  # detached with its columns loaded, not expired at the commit
        return found


def too_large_page(request: Request) -> Response:
    """A form whose request is over the whole request's limit (SMARTCITY_MAX_REQUEST_BYTES):
    a page in the visitor's language that says so, with a way back to the form. The platform
    middleware answers page requests with it; the API keeps its problem JSON."""
    settings = request.app.state.platform.settings
    state: WebState = getattr(request.state, "web", None) or web_state(
        request, settings.cookie_secure
    )
    return render(
        request,
        "error.html",
        state,
        status_code=413,
        title=i18n.gettext_("The files are too large"),
        explanation=i18n.gettext_(
            "Together, the files you sent are larger than we can accept at once "
            "(at most %(limit)s MB). Nothing was saved. Please go back and send smaller or "
            "fewer files."
        )
        % {"limit": i18n.megabytes(request.scope.get(BODY_LIMIT_KEY, settings.max_request_bytes))},
        back_url=request.url.path,
    )


async def page(
    request: Request, platform: PlatformDep, _public: Annotated[None, Depends(public)]
) -> WebState:
    """Public page: anybody may see it."""
    state = web_state(request, platform.settings.cookie_secure)
    request.state.web = state
    request.state.error_page = error_page
    return state


PageDep = Annotated[WebState, Depends(page)]


async def posted_form(request: Request, state: PageDep) -> FormData:
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    check_csrf(request, form)
    return form


FormDep = Annotated[FormData, Depends(posted_form)]


def form_text(form: FormData, name: str, limit: int = 200) -> str:
    """A text field of a posted form, trimmed and cut to `limit` ("" when absent or a file)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def photo_message(error: ServiceError) -> str:
    """What is wrong with a refused photo, in the page's language."""
    if isinstance(error, PayloadTooLarge) and error.limit:
        return i18n.file_too_large(error.size, error.limit)
    if error.status == 413:
        return i18n.gettext_("The photo is too large.")
    if error.status == 415:
        return i18n.gettext_("Please send the photo as JPEG or PNG.")
    return error.detail


def form_photo(
    form: FormData, name: str, limits: UploadLimits, allowed: Collection[str]
) -> tuple[tuple[str, bytes] | None, str]:
    """The photo a form sent as `name` (None when none was chosen), checked before anything
    is stored, and what is wrong with it ("" when nothing is)."""
    photo = form.get(name)
    if not isinstance(photo, UploadFile) or not photo.filename:
        return None, ""
    picture = (photo.filename, photo.file.read(limits.max_bytes + 1))
    try:
        uploads.check_file(limits, picture[0], picture[1], allowed)
    except PayloadTooLarge as exc:
        return picture, i18n.file_too_large(photo.size or len(picture[1]), exc.limit)
    except ServiceError as exc:
        return picture, photo_message(exc)
    return picture, ""


def row_id(text: str) -> int | None:
    """An id typed into a form, or None: digits only and within the databases' integer
    range (a larger number would be a database error, not a wrong id)."""
    # ASCII digits only (isdigit() takes "²", which int() refuses; isdecimal() takes "٣");
    # the length keeps int() away from Python's limit on the digits it converts.
    if not (text.isascii() and text.isdecimal()) or len(text) > 19:
        return None
    return int(text) if int(text) <= MAX_ROW_ID else None


def staff_principal(request: Request, db: DbDep, state: WebState) -> Principal | None:
    """The logged-in staff member as seen from the request's municipality (if any)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    resolved = resolve_session(db, token, request.app.state.platform.session_policy)
    if resolved is None:
        return None
    web_session, user = resolved
    state.user = user
    return user_principal(db, web_session, user, getattr(request.state, "municipality", None))


def staff_page(permission: Permission) -> Callable[..., WebState]:
    """Back-office page of a municipality: needs a staff login with the permission."""

    def check(request: Request, db: TenantDbDep, state: PageDep) -> WebState:
        principal = staff_principal(request, db, state)
        if principal is None:
            raise NotAuthenticated(i18n.gettext_("Please log in."))
        state.principal = principal
        if not principal.can(permission):
            raise PermissionDenied(i18n.gettext_("You are not allowed to do this."))
        return state

    check.required_permission = permission  # type: ignore[attr-defined]
    return check
