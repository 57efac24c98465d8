"""Citizen login over HTTP: sign in at the citizens' identity provider (OIDC, the routes core
shares with the staff login), who is signed in, sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.orm import Session

from smartcity.citizen import login
from smartcity.citizen.deps import CitizenSessionDep
from smartcity.citizen.schemas import CitizenOut
from smartcity.core.errors import NotAuthenticated
from smartcity.core.http.deps import DbDep, public
from smartcity.core.identity import oidc
from smartcity.core.identity.routes import OidcLogin, add_oidc_routes
from smartcity.core.platform import Platform

citizen_auth = APIRouter(prefix="/citizen", tags=["citizen login"])


def _sign_in(db: Session, platform: Platform, claims: dict[str, Any]) -> str:
    return login.start(db, claims)


add_oidc_routes(
    citizen_auth,
    OidcLogin(
        enabled=lambda settings: settings.citizen_oidc_enabled,
        client=oidc.citizen_client,
        not_configured="Citizen login is not configured on this instance.",
        cookie=login.COOKIE,
        sign_in=_sign_in,
    ),
    login=(
        "/login",
        "citizen_login",
        "Sign in as a citizen (redirects to the identity provider)",
    ),
    callback=(
        "/oidc/callback",
        "citizen_callback",
        "Where the citizens' identity provider sends the browser back",
    ),
)


@citizen_auth.get("/me", dependencies=[Depends(public)], summary="Who is signed in")
def citizen_me(session: CitizenSessionDep) -> CitizenOut:
    if session is None:
        raise NotAuthenticated("Nicht angemeldet.")
    return CitizenOut(name=session.name, email=session.email)


@citizen_auth.post(
    "/logout",
    dependencies=[Depends(public)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out",
)
def citizen_logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(login.COOKIE)
    if token:
        login.end(db, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(login.COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
