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
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Path, Request
from sqlalchemy.orm import Session

from smartcity.core.db import MAX_ROW_ID
from smartcity.core.errors import NotAuthenticated, PermissionDenied
from smartcity.core.identity import users
from smartcity.core.identity.apikeys import (
    MalformedAuthorization,
    authenticate_api_key,
    secret_from_authorization,
)
from smartcity.core.identity.models import UserAccount, WebSession
from smartcity.core.identity.permissions import ANONYMOUS, Permission, Principal
from smartcity.core.identity.sessions import resolve_session
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.services import enter_municipality

SESSION_COOKIE = "__Host-smartcity_session"
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Numeric id")]
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def _platform(request: Request) -> Platform:
    # Async although it does no I/O: a sync dependency costs a thread-pool hop per request.
    return get_platform(request)


PlatformDep = Annotated[Platform, Depends(_platform)]


def _db(platform: PlatformDep) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
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
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), web_session.csrf_token.encode()):
            raise PermissionDenied(f"The {CSRF_HEADER} header is missing or wrong.")
    return user_principal(db, web_session, user, municipality)


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
