"""Request dependencies: the platform, a database session in the request's tenant scope, the
principal, permission checks, and `ContextDep`, which bundles what nearly every tenant route
takes (session, municipality, principal, platform, background tasks, portal configuration).

Every route declares either `Depends(requires(PERMISSION))` or `Depends(public)`; a test walks
the app's routes and fails on any route that declares neither (deny by default).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import BackgroundTasks, Depends, Path, Request
from sqlalchemy.orm import Session

from smartcity.core.db import (
    MAX_ROW_ID,
    READ_ONLY,
    READ_ONLY_SESSION,
    is_read_only,
    transaction,
)
from smartcity.core.errors import NotAuthenticated, PermissionDenied
from smartcity.core.identity import users
from smartcity.core.identity.apikeys import (
    MalformedAuthorization,
    authenticate_api_key,
    secret_from_authorization,
)
from smartcity.core.identity.models import UserAccount, WebSession
from smartcity.core.identity.permissions import ANONYMOUS, Permission, Principal
from smartcity.core.identity.sessions import resolve_pending, resolve_session
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.services import enter_municipality

SESSION_COOKIE = "__Host-smartcity_session"
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Numeric id")]
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., object])


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def _platform(request: Request) -> Platform:
    # Async although it does no I/O: a sync dependency costs a thread-pool hop per request.
    return get_platform(request)


PlatformDep = Annotated[Platform, Depends(_platform)]


def reads_only(endpoint: F) -> F:
    """Marks a route whose GET requests only read: their transaction takes no write lock
    (SQLite: a plain BEGIN, so writers go on beside it; PostgreSQL: READ ONLY). Bookkeeping
    of the login (an API key's last use, a session's last activity) is written only when due,
    in a short transaction of its own (`_principal_for`)."""
    endpoint.smartcity_reads_only = True  # type: ignore[attr-defined]
    return endpoint


def _reads_only(request: Request) -> bool:
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    return request.method in SAFE_METHODS and getattr(endpoint, "smartcity_reads_only", False)


def _db(platform: PlatformDep, request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    if _reads_only(request):
        engine = platform.engine.execution_options(**{READ_ONLY: True})
        session = platform.sessions(bind=engine, info={READ_ONLY_SESSION: True})
    else:
        session = platform.sessions()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


DbDep = Annotated[Session, Depends(_db, scope="function")]


MunicipalitySlug = Annotated[str, Path(description="Slug of the municipality, e.g. `dresden`")]


def current_municipality(
    request: Request, db: DbDep, municipality: MunicipalitySlug
) -> Municipality:
    found = enter_municipality(db, municipality)
    request.state.municipality = found
    return found


MunicipalityDep = Annotated[Municipality, Depends(current_municipality)]


# Dependencies without I/O are async: a sync one costs a thread-pool hop per request.
async def tenant_db(db: DbDep, _municipality: MunicipalityDep) -> Session:
    """The request's session, scoped to the municipality in the path."""
    return db


TenantDbDep = Annotated[Session, Depends(tenant_db)]


def _api_key_from_header(request: Request) -> str | None:
    try:
        return secret_from_authorization(request.headers.get("authorization", ""))
    except MalformedAuthorization as exc:
        raise NotAuthenticated(str(exc)) from None


def _principal_for(request: Request, db: Session, municipality: Municipality | None) -> Principal:
    if not is_read_only(db):
        return _resolve_principal(request, db, municipality)
    # A login may write (an API key's last use, a session's last activity, an expired session
    # removed). Mostly it does not (minute precision); when it does, those changes go into a
    # short transaction of their own, never into the read's, which must not take a write lock.
    with db.no_autoflush:
        principal = _resolve_principal(request, db, municipality)
    if not (db.new or db.dirty or db.deleted):
        return principal
    for changed in [*db.new, *db.deleted]:
        db.expunge(changed)
    for changed in list(db.dirty):
        db.expire(changed)
    info = {key: value for key, value in db.info.items() if key != READ_ONLY_SESSION}
    with transaction(get_platform(request).sessions, **info) as own:
        return _resolve_principal(request, own, municipality)


def _resolve_principal(
    request: Request, db: Session, municipality: Municipality | None
) -> Principal:
    platform = get_platform(request)
    api_key = _api_key_from_header(request)
    if request.headers.get("authorization") and api_key is None:
        raise NotAuthenticated("Use 'Bearer <API key>' or Basic with the API key as password.")
    if api_key is not None:
        if municipality is None:
            raise NotAuthenticated("API keys are valid on a municipality's paths only.")
        key = authenticate_api_key(db, api_key)
        if key is None:
            raise NotAuthenticated("The API key is unknown, revoked or for another municipality.")
        return Principal(kind="api_key", id=key.id, scopes=frozenset(key.scopes))
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    resolved = resolve_session(db, token, platform.session_policy)
    if resolved is None:
        return ANONYMOUS
    web_session, user = resolved
    _check_csrf(request, web_session)
    return user_principal(db, web_session, user, municipality)


def _check_csrf(request: Request, web_session: WebSession) -> None:
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), web_session.csrf_token.encode()):
            raise PermissionDenied(f"The {CSRF_HEADER} header is missing or wrong.")


@dataclass(frozen=True)
class LoginInStep:
    """A password login waiting for one step: its session token, the session and the user."""

    token: str
    web_session: WebSession
    user: UserAccount


def login_in_step(stage: str) -> Callable[..., LoginInStep]:
    """Dependency of a login step's route: the login waiting for `stage` (401 otherwise).
    Public as a route (the waiting session is its authentication); CSRF as for sessions."""

    def check(
        request: Request, db: DbDep, _public: Annotated[None, Depends(public)]
    ) -> LoginInStep:
        token = request.cookies.get(SESSION_COOKIE, "")
        resolved = resolve_pending(db, token, stage) if token else None
        if resolved is None:
            raise NotAuthenticated("There is no login waiting for this step; please log in.")
        web_session, user = resolved
        _check_csrf(request, web_session)
        return LoginInStep(token, web_session, user)

    return check


def signed_in_or_step(stage: str) -> Callable[..., Principal]:
    """Dependency: any logged-in staff member, or a password login waiting for `stage`
    (the route is the way forward for both)."""

    def check(request: Request, db: DbDep, _public: Annotated[None, Depends(public)]) -> Principal:
        principal = _principal_for(request, db, None)
        if principal.kind == "user":
            request.state.principal = principal
            return principal
        step = login_in_step(stage)(request, db, None)
        return Principal(kind="user", id=step.user.id, csrf_token=step.web_session.csrf_token)

    return check


def user_principal(
    db: Session, web_session: WebSession, user: UserAccount, municipality: Municipality | None
) -> Principal:
    """A logged-in staff member as seen from one municipality (its roles and departments
    there), or from the instance when there is none."""
    if municipality is None:
        return Principal(kind="user", id=user.id, csrf_token=web_session.csrf_token)
    grants = users.grants_in(db, user.id, municipality)
    return Principal(
        kind="user",
        id=user.id,
        roles=grants.roles,
        departments=grants.departments,
        csrf_token=web_session.csrf_token,
    )


def tenant_principal(request: Request, db: TenantDbDep) -> Principal:
    principal = _principal_for(request, db, request.state.municipality)
    request.state.principal = principal
    return principal


def instance_principal(request: Request, db: DbDep) -> Principal:
    principal = _principal_for(request, db, None)
    request.state.principal = principal
    return principal


TenantPrincipalDep = Annotated[Principal, Depends(tenant_principal)]
InstancePrincipalDep = Annotated[Principal, Depends(instance_principal)]


def requires(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency that lets the request through only with the permission in this municipality."""

    async def check(principal: TenantPrincipalDep) -> Principal:
        if principal.can(permission):
            return principal
        if not principal.is_authenticated:
            raise NotAuthenticated("Please log in or send an API key.")
        raise PermissionDenied(f"This needs the permission '{permission.name}'.")

    check.required_permission = permission  # type: ignore[attr-defined]
    return check


async def public() -> None:
    """Marks a route as deliberately open to everyone."""


async def signed_in(principal: InstancePrincipalDep) -> Principal:
    """Any logged-in staff member (instance-level routes such as /auth/me)."""
    if principal.kind != "user":
        raise NotAuthenticated("Please log in.")
    return principal


async def _portal(platform: PlatformDep) -> Portal:
    return platform.portal


PortalDep = Annotated[Portal, Depends(_portal)]


@dataclass(frozen=True)
class RequestContext:
    """What a tenant route works with. Permission checks stay separate and visible on each
    route (`Depends(requires(…))`); FastAPI resolves the principal once for both."""

    db: Session
    municipality: Municipality
    principal: Principal
    platform: Platform
    background: BackgroundTasks

    @property
    def portal(self) -> Portal:
        return self.platform.portal

    @property
    def actor(self) -> str:
        return self.principal.actor


async def _context(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: TenantPrincipalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> RequestContext:
    return RequestContext(db, municipality, principal, platform, background)


ContextDep = Annotated[RequestContext, Depends(_context)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
