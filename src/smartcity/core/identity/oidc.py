"""OpenID Connect login (authorization code flow with PKCE), for Keycloak and any other
provider that publishes a discovery document; one client for staff, another for citizens
(e.g. a BundID-style identity provider).

A staff login only signs in people who already have an account here: the account is found by
the provider's subject, or once by a verified e-mail address and then linked. Roles stay
managed in the platform, so a misconfigured provider cannot grant access. A citizen login
only establishes who the citizen is (issuer and subject); it grants nothing.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import NotAuthenticated, ServiceUnavailable
from smartcity.core.identity.models import OidcLoginState, UserAccount
from smartcity.core.identity.tokens import new_token
from smartcity.core.settings import Settings

STATE_LIFETIME = timedelta(minutes=10)
DISCOVERY_CACHE_SECONDS = 3600


@dataclass
class _Cached:
    fetched_at: float
    metadata: dict[str, Any]
    keys: KeySet


_cache: dict[str, _Cached] = {}


@dataclass(frozen=True)
class OidcClient:
    """One registration at one provider."""

    purpose: str  # "staff" or "citizen": a login started for one ends only for that one
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str


def staff_client(settings: Settings) -> OidcClient:
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else ""
    return OidcClient(
        "staff",
        settings.oidc_issuer,
        settings.oidc_client_id,
        secret,
        settings.oidc_scopes,
        settings.effective_public_url + "/auth/oidc/callback",
    )


def citizen_client(settings: Settings) -> OidcClient:
    secret = (
        settings.citizen_oidc_client_secret.get_secret_value()
        if settings.citizen_oidc_client_secret
        else ""
    )
    return OidcClient(
        "citizen",
        settings.citizen_oidc_issuer,
        settings.citizen_oidc_client_id,
        secret,
        settings.citizen_oidc_scopes,
        settings.effective_public_url + "/citizen/oidc/callback",
    )


def redirect_uri(settings: Settings) -> str:
    return staff_client(settings).redirect_uri


def _provider(client: OidcClient, *, refresh_keys: bool = False) -> _Cached:
    issuer = client.issuer.rstrip("/")
    cached = _cache.get(issuer)
    if cached and not refresh_keys and time.time() - cached.fetched_at < DISCOVERY_CACHE_SECONDS:
        return cached
    try:
        with httpx.Client(timeout=10) as http:
            metadata = http.get(issuer + "/.well-known/openid-configuration").raise_for_status()
            meta = metadata.json()
            # Metadata naming another issuer would let that issuer's tokens in (mix-up).
            if str(meta.get("issuer", "")).rstrip("/") != issuer:
                raise ValueError("the discovery document names another issuer")
            jwks = http.get(meta["jwks_uri"]).raise_for_status().json()
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        raise ServiceUnavailable(
            f"The identity provider cannot be reached ({type(exc).__name__})."
        ) from exc
    cached = _Cached(time.time(), meta, KeySet.import_key_set(jwks))
    _cache[issuer] = cached
    return cached


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(db: Session, client: OidcClient, next_path: str = "/") -> str:
    """Remember state, nonce and PKCE verifier; return the provider's authorization URL."""
    provider = _provider(client)
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"  # only local redirects after login
    db.execute(delete(OidcLoginState).where(OidcLoginState.created_at < utcnow() - STATE_LIFETIME))
    state = OidcLoginState(
        state=new_token(24),
        nonce=new_token(24),
        code_verifier=new_token(48),
        next_path=next_path,
        purpose=client.purpose,
        created_at=utcnow(),
    )
    db.add(state)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "scope": client.scopes,
            "state": state.state,
            "nonce": state.nonce,
            "code_challenge": _pkce_challenge(state.code_verifier),
            "code_challenge_method": "S256",
        }
    )
    return str(provider.metadata["authorization_endpoint"]) + "?" + query


def staff_account(db: Session, settings: Settings, claims: dict[str, Any]) -> UserAccount:
    """The staff account a checked identity belongs to (audited as an OIDC login)."""
    user = _find_account(db, settings, claims)
    audit.record(
        db, actor=f"user:{user.id}", action="login.oidc", resource_type="user", resource_id=user.id
    )
    return user


def from_callback(
    db: Session, client: OidcClient, *, state: str, code: str, error: str
) -> tuple[dict[str, Any], str]:
    """The claims and the next path from a provider's callback query."""
    if error or not state or not code:
        raise NotAuthenticated(f"The identity provider ended the login ({error or 'no code'}).")
    return finish(db, client, state_value=state, code=code)


def finish(
    db: Session, client: OidcClient, *, state_value: str, code: str
) -> tuple[dict[str, Any], str]:
    """Check the callback, exchange the code, validate the ID token; returns its claims and
    where to go next."""
    state = db.get(OidcLoginState, state_value)
    if (
        state is None
        or state.purpose != client.purpose
        or utcnow() - state.created_at > STATE_LIFETIME
    ):
        raise NotAuthenticated("The login attempt expired or is unknown; please start again.")
    db.delete(state)
    provider = _provider(client)
    try:
        with httpx.Client(timeout=10) as http:
            response = http.post(
                provider.metadata["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": client.redirect_uri,
                    "code_verifier": state.code_verifier,
                },
                auth=(client.client_id, client.client_secret),
            )
    except httpx.HTTPError as exc:
        raise ServiceUnavailable("The identity provider cannot be reached.") from exc
    if response.status_code != 200:
        raise NotAuthenticated("The identity provider did not accept the login.")
    id_token = response.json().get("id_token")
    if not isinstance(id_token, str):
        raise NotAuthenticated("The identity provider sent no ID token.")
    return _validate_id_token(client, provider, id_token, nonce=state.nonce), state.next_path


def _validate_id_token(
    client: OidcClient, provider: _Cached, id_token: str, *, nonce: str
) -> dict[str, Any]:
    try:
        token = jwt.decode(id_token, provider.keys)
    except JoseError:
        # The provider may have rotated its keys since we cached them.
        provider = _provider(client, refresh_keys=True)
        try:
            token = jwt.decode(id_token, provider.keys)
        except JoseError as exc:
            raise NotAuthenticated("The ID token's signature is not valid.") from exc
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": str(provider.metadata.get("issuer", ""))},
        aud={"essential": True, "value": client.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise NotAuthenticated(f"The ID token is not valid ({exc}).") from exc
    return claims


def _find_account(db: Session, settings: Settings, claims: dict[str, Any]) -> UserAccount:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    user = db.scalar(
        select(UserAccount).where(
            UserAccount.oidc_issuer == issuer, UserAccount.oidc_subject == subject
        )
    )
    email = claims.get("email")
    if user is None and email and claims.get("email_verified") is True:
        user = db.scalar(
            select(UserAccount).where(
                UserAccount.email == email, UserAccount.oidc_subject.is_(None)
            )
        )
        if user is not None:
            user.oidc_issuer, user.oidc_subject = issuer, subject
    if user is None or not user.is_active:
        raise NotAuthenticated(
            "There is no active staff account for this identity; ask your administrator."
        )
    return user
