"""Login, logout and OIDC (instance-wide), and staff and API-key management per municipality."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from smartcity.core.db import transaction
from smartcity.core.errors import InvalidInput, NotAuthenticated, NotFound
from smartcity.core.http.deps import (
    SESSION_COOKIE,
    DbDep,
    IdPath,
    MunicipalityDep,
    PlatformDep,
    TenantDbDep,
    client_address,
    public,
    requires,
    signed_in,
    signed_in_or_step,
)
from smartcity.core.http.problems import problem
from smartcity.core.identity import apikeys, oidc, users
from smartcity.core.identity.login import LoginOutcome, change_password, password_login
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    STAFF_MANAGE,
    STAFF_READ,
    Principal,
)
from smartcity.core.identity.schemas import (
    AccountLock,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CurrentUser,
    LoginRequest,
    LoginStep,
    PasswordChange,
    RoleChange,
    StaffCreate,
    StaffMember,
)
from smartcity.core.identity.sessions import FULL, device_of, end_session, start_session
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings

auth_router = APIRouter(prefix="/auth", tags=["authentication"])


def _set_session_cookie(response: Response, platform: Platform, token: str) -> None:
    set_login_cookie(response, platform, SESSION_COOKIE, token)


def set_login_cookie(response: Response, platform: Platform, name: str, token: str) -> None:
    """A session cookie as every login sets it: `__Host-` name, Secure, HttpOnly, Lax."""
    response.set_cookie(
        name,
        token,
        max_age=platform.settings.session_absolute_timeout,
        path="/",
        secure=platform.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


@dataclass(frozen=True)
class OidcLogin:
    """A login at an OIDC identity provider (staff, citizens): its client registration, the
    cookie it sets and how a checked identity becomes a session. Not configured, its routes
    answer 404."""

    enabled: Callable[[Settings], bool]
    client: Callable[[Settings], oidc.OidcClient]
    not_configured: str
    cookie: str
    # The new session for the identity the provider vouched for: its token (the cookie).
    sign_in: Callable[[Session, Platform, dict[str, Any]], str]


# (path, route name, summary) of one route.
RouteSpec = tuple[str, str, str]


def add_oidc_routes(
    router: APIRouter, oidc_login: OidcLogin, *, login: RouteSpec, callback: RouteSpec
) -> None:
    """Add the two routes of an OIDC login to `router`: `login` redirects to the provider,
    `callback` is where the provider sends the browser back; it signs in and redirects to
    where the login started."""

    def client(platform: Platform) -> oidc.OidcClient:
        if not oidc_login.enabled(platform.settings):
            raise NotFound(oidc_login.not_configured)
        return oidc_login.client(platform.settings)

    login_path, login_name, login_summary = login

    @router.get(
        login_path,
        name=login_name,
        dependencies=[Depends(public)],
        summary=login_summary,
        response_class=RedirectResponse,
        status_code=status.HTTP_303_SEE_OTHER,
    )
    def start(
        db: DbDep, platform: PlatformDep, next: Annotated[str, Query(max_length=500)] = "/"
    ) -> RedirectResponse:
        return RedirectResponse(oidc.start(db, client(platform), next), status_code=303)

    callback_path, callback_name, callback_summary = callback

    @router.get(
        callback_path,
        name=callback_name,
        dependencies=[Depends(public)],
        summary=callback_summary,
        response_class=RedirectResponse,
        status_code=status.HTTP_303_SEE_OTHER,
    )
    def finish(
        db: DbDep,
        platform: PlatformDep,
        state: Annotated[str, Query(max_length=200)] = "",
        code: Annotated[str, Query(max_length=4096)] = "",
        error: Annotated[str, Query(max_length=200)] = "",
    ) -> RedirectResponse:
        found = client(platform)
        claims, next_path = oidc.from_callback(db, found, state=state, code=code, error=error)
        response = RedirectResponse(next_path, status_code=303)
        set_login_cookie(
            response, platform, oidc_login.cookie, oidc_login.sign_in(db, platform, claims)
        )
        return response


@auth_router.post(
    "/login",
    dependencies=[Depends(public)],
    summary="Log in with user name and password (further steps: see `next_step`)",
    responses={
        401: {"description": "Wrong credentials, or an expired initial password"},
        429: {"description": "Throttled"},
    },
)
def login(
    body: LoginRequest, request: Request, response: Response, platform: PlatformDep
) -> LoginStep:
    # Own transaction: a failed attempt must be stored although the request fails.
    with transaction(platform.sessions) as db:
        outcome = password_login(
            db,
            username=body.username,
            password=body.password,
            client=client_address(request),
            sessions=platform.session_policy,
            limits=platform.throttle_policy,
            passwords=platform.passwords,
            device=device_of(request.headers.get("user-agent", "")),
        )
    if outcome.expired:
        raise NotAuthenticated(
            "This initial password has expired. Ask an administrator for a new one, or reset "
            "it by e-mail."
        )
    if not outcome.ok:
        raise NotAuthenticated("User name or password is wrong.")
    old_token = request.cookies.get(SESSION_COOKIE)
    if old_token:
        with transaction(platform.sessions) as db:
            end_session(db, old_token)
    return login_step(response, platform, outcome)


def login_step(response: Response, platform: Platform, outcome: LoginOutcome) -> LoginStep:
    """The new session's cookie on the response; its user, CSRF token and the login's next
    step (none: logged in) in the body."""
    assert outcome.token is not None
    assert outcome.user is not None
    assert outcome.web_session is not None
    _set_session_cookie(response, platform, outcome.token)
    return LoginStep(
        id=outcome.user.id,
        username=outcome.user.username,
        display_name=outcome.user.display_name,
        csrf_token=outcome.web_session.csrf_token,
        next_step=None if outcome.stage == FULL else outcome.stage,
    )


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the session")
def logout(
    request: Request, db: DbDep, principal: Annotated[Principal, Depends(signed_in)]
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(db, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@auth_router.post(
    "/password",
    summary="Change one's own password (ends every session; this one is renewed); also the "
    "login step `password`",
    response_model=LoginStep,
    responses={403: {"description": "The current password is wrong"}},
)
def change_own_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in_or_step("password"))],
) -> Response | LoginStep:
    user = db.get(UserAccount, principal.id)
    assert user is not None  # the session resolved to this user
    outcome = change_password(
        db,
        user,
        current=body.current_password,
        new=body.new_password,
        client=client_address(request),
        sessions=platform.session_policy,
        limits=platform.throttle_policy,
        passwords=platform.passwords,
        device=device_of(request.headers.get("user-agent", "")),
    )
    if not outcome.ok:
        # Answered, not raised: the request's transaction commits the counted failure.
        return problem(403, "Forbidden", "The current password is wrong.", type_slug="forbidden")
    return login_step(response, platform, outcome)


@auth_router.get("/me", summary="The logged-in staff member")
def me(db: DbDep, principal: Annotated[Principal, Depends(signed_in)]) -> CurrentUser:
    user = db.get(UserAccount, principal.id)
    assert user is not None
    assert principal.csrf_token is not None
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        csrf_token=principal.csrf_token,
    )


def _staff_sign_in(db: Session, platform: Platform, claims: dict[str, Any]) -> str:
    user = oidc.staff_account(db, platform.settings, claims)
    token, _ = start_session(db, user, platform.session_policy, method="oidc")
    return token


add_oidc_routes(
    auth_router,
    OidcLogin(
        enabled=lambda settings: settings.oidc_enabled,
        client=oidc.staff_client,
        not_configured="OIDC login is not configured on this instance.",
        cookie=SESSION_COOKIE,
        sign_in=_staff_sign_in,
    ),
    login=("/oidc/login", "oidc_login", "Start an OIDC login (redirects to the identity provider)"),
    callback=(
        "/oidc/callback",
        "oidc_callback",
        "Where the identity provider sends the browser back",
    ),
)


staff_router = APIRouter(prefix="/{municipality}/api/v1", tags=["staff and API keys"])


def _staff_member(user: UserAccount, roles: list[str]) -> StaffMember:
    return StaffMember(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        roles=roles,
    )


@staff_router.get("/staff", summary="Staff with a role in this municipality")
def list_staff(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    _: Annotated[Principal, Depends(requires(STAFF_READ))],
) -> list[StaffMember]:
    return [_staff_member(user, roles) for user, roles in users.staff_of(db, municipality)]


@staff_router.post("/staff", status_code=status.HTTP_201_CREATED, summary="Create a staff account")
def create_staff(
    body: StaffCreate,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(STAFF_MANAGE))],
    platform: PlatformDep,
) -> StaffMember:
    role = users.parse_role(body.role)
    if role.region:
        raise InvalidInput("Region admins are appointed with the CLI.", errors={"role": "region"})
    user = users.create_user(
        db,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        email=body.email,
        actor=principal.actor,
        passwords=platform.passwords,
        # The administrator knows this password: the staff member replaces it at first login.
        initial_days=platform.settings.initial_password_days,
    )
    users.assign_role(
        db,
        user,
        role,
        municipality=municipality,
        department=body.department,
        actor=principal.actor,
    )
    return _staff_member(user, users.role_labels(db, municipality, user.id))


def _staff_user(db: TenantDbDep, municipality: MunicipalityDep, user_id: int) -> UserAccount:
    user = users.staff_member(db, municipality, user_id)
    if user is None:
        raise NotFound(f"There is no staff member {user_id} in this municipality.")
    return user


@staff_router.put(
    "/staff/{user_id}/active",
    summary="Lock a staff account (its sessions end at once) or open it again",
)
def lock_or_unlock(
    user_id: IdPath,
    body: AccountLock,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(STAFF_MANAGE))],
) -> StaffMember:
    user = _staff_user(db, municipality, user_id)
    users.set_active(
        db,
        user,
        body.active,
        municipality=municipality,
        by=principal,
    )
    return _staff_member(user, users.role_labels(db, municipality, user.id))


@staff_router.post("/staff/{user_id}/roles", summary="Give a staff member a role")
def add_role(
    user_id: IdPath,
    body: RoleChange,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(STAFF_MANAGE))],
) -> StaffMember:
    user = _staff_user(db, municipality, user_id)
    role = users.parse_role(body.role)
    if role.region:
        raise InvalidInput("Region admins are appointed with the CLI.", errors={"role": "region"})
    users.assign_role(
        db,
        user,
        role,
        municipality=municipality,
        department=body.department,
        actor=principal.actor,
    )
    return _staff_member(user, users.role_labels(db, municipality, user.id))


@staff_router.delete(
    "/staff/{user_id}/roles/{role}", summary="Take a role away from a staff member"
)
def remove_role(
    user_id: IdPath,
    role: str,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(STAFF_MANAGE))],
) -> StaffMember:
    user = _staff_user(db, municipality, user_id)
    users.revoke_role(
        db, user, users.parse_role(role), municipality=municipality, actor=principal.actor
    )
    return _staff_member(user, users.role_labels(db, municipality, user.id))


@staff_router.get("/api-keys", summary="API keys of this municipality (never the secrets)")
def list_keys(
    db: TenantDbDep, _: Annotated[Principal, Depends(requires(APIKEYS_MANAGE))]
) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(key) for key in apikeys.list_api_keys(db)]


@staff_router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key; the secret is in this response only",
)
def create_key(
    body: ApiKeyCreate,
    db: TenantDbDep,
    principal: Annotated[Principal, Depends(requires(APIKEYS_MANAGE))],
) -> ApiKeyCreated:
    key, secret = apikeys.create_api_key(
        db, name=body.name, scopes=body.scopes, actor=principal.actor, grantor=principal
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyOut.model_validate(key).model_dump(), "key": secret}
    )


@staff_router.delete("/api-keys/{key_id}", summary="Revoke an API key")
def revoke_key(
    key_id: IdPath,
    db: TenantDbDep,
    principal: Annotated[Principal, Depends(requires(APIKEYS_MANAGE))],
) -> ApiKeyOut:
    return ApiKeyOut.model_validate(apikeys.revoke_api_key(db, key_id, actor=principal.actor))
