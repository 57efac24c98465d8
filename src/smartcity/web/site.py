"""Pages of the instance rather than of one municipality: the start page, the staff login
and logout, changing one's own password, the choice of municipality after login, and our
static files (ours, Leaflet's from the xstatic-leaflet package, and the KERN UX design
system's stylesheet and fonts, vendored in `kern/` by `make kern`: nothing is loaded from
elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import xstatic.pkg.leaflet  # type: ignore[import-untyped]
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartcity.core.db import transaction
from smartcity.core.errors import Conflict, NotFound, TooManyRequests
from smartcity.core.http.deps import SESSION_COOKIE, DbDep, PlatformDep, client_address, public
from smartcity.core.identity.login import change_password, password_login
from smartcity.core.identity.models import RoleAssignment
from smartcity.core.identity.passwords import MIN_LENGTH, policy_problem
from smartcity.core.identity.permissions import Role
from smartcity.core.identity.routes import set_login_cookie
from smartcity.core.identity.sessions import device_of, end_session, resolve_pending
from smartcity.core.modules import registry_of
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.services import list_municipalities
from smartcity.core.web.deps import FormDep, PageDep, staff_principal
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.web.account import after_step, wait_message
from smartcity.web.account import policy_messages as _policy_messages

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
LEAFLET = Path(xstatic.pkg.leaflet.BASE_DIR)
KERN = Path(__file__).parent / "kern"
MEDIA_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    # WebAssembly is compiled while it downloads only when served with its own type.
    ".wasm": "application/wasm",
    ".md": "text/markdown; charset=utf-8",
    "": "text/plain; charset=utf-8",
}


def _site(title: str) -> dict[str, Any]:
    return {"site_name": gettext_("Smart City platform"), "home_url": "/", "page_title": title}


def local_path(target: str, default: str = "/") -> str:
    """Only paths of this site: `//host` and `/\\host` would lead elsewhere."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


@router.get("/")
def start(request: Request, state: PageDep, db: DbDep) -> Response:
    return render(
        request,
        "site/start.html",
        state,
        municipalities=list_municipalities(db),
        **_site(gettext_("Municipalities")),
    )


@router.get("/anmelden")
def login_page(
    request: Request,
    state: PageDep,
    next: Annotated[str, Query(max_length=500)] = "/verwaltung",
    zurueckgesetzt: Annotated[bool, Query()] = False,
) -> Response:
    return _login_page(request, state, next, "", {}, reset_done=zurueckgesetzt)


def _login_page(
    request: Request,
    state: Any,
    next_path: str,
    username: str,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    reset_done: bool = False,
) -> Response:
    platform = request.app.state.platform
    return render(
        request,
        "site/login.html",
        state,
        status_code=status_code,
        next=local_path(next_path, "/verwaltung"),
        username=username,
        errors=errors,
        labels={"username": gettext_("User name")},
        oidc=platform.settings.oidc_enabled,
        reset_done=reset_done,
        **_site(gettext_("Log in")),
    )


@router.post("/anmelden")
def login(request: Request, state: PageDep, form: FormDep, platform: PlatformDep) -> Response:
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    next_path = local_path(str(form.get("next") or ""), "/verwaltung")
    try:
        # Own transaction: a failed attempt is stored although the login fails.
        with transaction(platform.sessions) as db:
            outcome = password_login(
                db,
                username=username,
                password=password,
                client=client_address(request),
                sessions=platform.session_policy,
                limits=platform.throttle_policy,
                passwords=platform.passwords,
                device=device_of(request.headers.get("user-agent", "")),
            )
    except TooManyRequests as exc:
        response = _login_page(
            request, state, next_path, username, {"username": wait_message(exc)}, 429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if outcome.expired:
        message = gettext_(
            "This initial password has expired. Ask your administration for a new one, or "
            "reset it by e-mail."
        )
        return _login_page(request, state, next_path, username, {"username": message}, 401)
    if not outcome.ok or outcome.token is None:
        message = gettext_("User name or password is wrong.")
        return _login_page(request, state, next_path, username, {"username": message}, 401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        with transaction(platform.sessions) as db:
            end_session(db, old)
    # A second factor, a new password or setting up a second factor may come first.
    response = RedirectResponse(after_step(outcome, next_path), status_code=303)
    set_login_cookie(response, platform, SESSION_COOKIE, outcome.token)
    state.apply_cookies(response)
    return response


@router.post("/abmelden")
def logout(request: Request, form: FormDep, db: DbDep, platform: PlatformDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(db, token)
    response = RedirectResponse("/anmelden", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=platform.settings.cookie_secure, httponly=True
    )
    return response


@router.get("/passwort")
def password_page(
    request: Request,
    state: PageDep,
    db: DbDep,
    geaendert: Annotated[bool, Query()] = False,
) -> Response:
    if not _password_user(request, db, state):
        return RedirectResponse("/anmelden?next=/passwort", status_code=303)
    return _password_page(request, state, {}, changed=geaendert)


def _password_user(request: Request, db: Session, state: Any) -> bool:
    """Whether a staff member may change the password here, as `state.user`: logged in, or
    logging in with an initial password that must be replaced first (`state.forced`)."""
    state.forced = False
    if staff_principal(request, db, state) is not None and state.user is not None:
        return True
    token = request.cookies.get(SESSION_COOKIE, "")
    pending = resolve_pending(db, token, "password") if token else None
    if pending is None:
        return False
    state.user, state.forced = pending[1], True
    return True


def _password_page(
    request: Request,
    state: Any,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    changed: bool = False,
) -> Response:
    assert state.user is not None
    return render(
        request,
        "site/password.html",
        state,
        status_code=status_code,
        errors=errors,
        changed=changed,
        forced=getattr(state, "forced", False),
        has_password=state.user.password_hash is not None,
        labels={
            "current": gettext_("Current password"),
            "new": gettext_("New password"),
            "repeat": gettext_("New password again"),
        },
        min_length=MIN_LENGTH,
        **_site(gettext_("Change password")),
    )


@router.post("/passwort")
def password_change(
    request: Request, state: PageDep, form: FormDep, platform: PlatformDep
) -> Response:
    """The staff member's own password (as `POST /auth/password`): the current one first,
    guesses counted like failed logins; every session ends, this browser's is renewed."""
    current = str(form.get("current") or "")[:1000]
    new = str(form.get("new") or "")[:1000]
    # A transaction of its own, not the request's: a wrong current password is counted
    # although the change fails.
    with transaction(platform.sessions) as db:
        if not _password_user(request, db, state):
            return RedirectResponse("/anmelden?next=/passwort", status_code=303)
        user = state.user
        assert user is not None
        if new != str(form.get("repeat") or "")[:1000]:
            message = gettext_("The two new passwords differ. Please type the same one twice.")
            return _password_page(request, state, {"repeat": message}, 400)
        problem = policy_problem(new, username=user.username)
        if problem:
            return _password_page(request, state, {"new": _policy_messages()[problem]}, 400)
        try:
            outcome = change_password(
                db,
                user,
                current=current,
                new=new,
                client=client_address(request),
                sessions=platform.session_policy,
                limits=platform.throttle_policy,
                passwords=platform.passwords,
                device=device_of(request.headers.get("user-agent", "")),
            )
        except TooManyRequests as exc:
            # Answered within the transaction: the page shows the account from it.
            response = _password_page(request, state, {"current": wait_message(exc)}, 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except Conflict:
            message = gettext_(
                "Your account logs in through your organisation; it has no password."
            )
            return _password_page(request, state, {"current": message}, 409)
        if not outcome.ok or outcome.token is None:
            message = gettext_("The current password is wrong.")
            return _password_page(request, state, {"current": message}, 403)
    done = "/verwaltung" if getattr(state, "forced", False) else "/passwort?geaendert=true"
    response = RedirectResponse(after_step(outcome, done), status_code=303)
    set_login_cookie(response, platform, SESSION_COOKIE, outcome.token)
    state.apply_cookies(response)
    return response


def _places_of(db: Session, user_id: int) -> list[Municipality]:
    rows = db.execute(
        select(RoleAssignment.region_id, RoleAssignment.municipality_id, RoleAssignment.role).where(
            RoleAssignment.user_id == user_id
        )
    ).all()
    regions = {region for region, place, role in rows if place is None}
    places = {place for _, place, _ in rows if place is not None}
    return (
        list(
            db.scalars(
                select(Municipality)
                .where(or_(Municipality.region_id.in_(regions), Municipality.id.in_(places)))
                .order_by(Municipality.name)
            )
        )
        if rows
        else []
    )


@router.get("/verwaltung")
def choose(request: Request, state: PageDep, db: DbDep) -> Response:
    principal = staff_principal(request, db, state)
    if principal is None or state.user is None:
        return RedirectResponse("/anmelden?next=/verwaltung", status_code=303)
    places = _places_of(db, state.user.id)
    if len(places) == 1:
        return RedirectResponse(f"/{places[0].slug}/verwaltung/", status_code=303)
    is_region_admin = db.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == state.user.id, RoleAssignment.role == Role.REGION_ADMIN
        )
    )
    return render(
        request,
        "site/choose.html",
        state,
        places=places,
        region_view=bool(is_region_admin),
        **_site(gettext_("Administration")),
    )


def _file(base: Path, name: str) -> Response:
    path = (base / name).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file():
        raise NotFound(gettext_("This page or entry does not exist."))
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/static/web/{name:path}", dependencies=[Depends(public)])
def static_file(name: str) -> Response:
    return _file(STATIC, name)


@router.get("/static/leaflet/{name:path}", dependencies=[Depends(public)])
def leaflet_file(name: str) -> Response:
    return _file(LEAFLET, name)


@router.get("/static/kern/{name:path}", dependencies=[Depends(public)])
def kern_file(name: str) -> Response:
    return _file(KERN, name)


@router.get("/static/{module}/{name:path}", dependencies=[Depends(public)])
def module_file(request: Request, module: str, name: str) -> Response:
    """A file of a module's declared static directory (`Module.static`)."""
    base = next((m.static for m in registry_of(request) if m.name == module and m.static), None)
    if base is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    return _file(base, name)
