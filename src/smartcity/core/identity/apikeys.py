"""API keys for devices and integrations: shown once, stored as a digest, scoped, revocable."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core import events
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound, PermissionDenied
from smartcity.core.identity.key_events import ApiKeyRevoked
from smartcity.core.identity.models import ApiKey
from smartcity.core.identity.permissions import SCOPES, Principal
from smartcity.core.identity.tokens import digest, new_token

KEY_PREFIX = "sck_"
# Recording every use would make each device request a write; minute precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def validate_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes:
        raise InvalidInput("An API key needs at least one scope.", errors={"scopes": "empty"})
    if unknown:
        known = ", ".join(sorted(SCOPES))
        raise InvalidInput(
            f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {known}.",
            errors={"scopes": "unknown scope"},
        )
    return sorted(set(scopes))


def check_grantable(scopes: list[str], grantor: Principal) -> None:
    """Refuses scopes that would let the key do more than the one creating it may."""
    beyond = sorted(scope for scope in set(scopes) if not grantor.holds_scope(scope))
    if beyond:
        raise PermissionDenied(
            f"You cannot give a key the right(s) {', '.join(beyond)}: "
            "your own roles do not allow what they allow.",
            errors={"scopes": "not held by you"},
        )


def create_api_key(
    db: Session, *, name: str, scopes: list[str], actor: str, grantor: Principal | None
) -> tuple[ApiKey, str]:
    """Create a key in the session's municipality. Returns the row and the secret, which is
    not stored and cannot be shown again. `grantor` is the staff member creating it, who may
    grant only scopes they hold; None is the instance's operator (CLI, demo)."""
    if not name.strip():
        raise InvalidInput("The key needs a name.", errors={"name": "must not be empty"})
    if grantor is not None:
        check_grantable(validate_scopes(scopes), grantor)
    secret = KEY_PREFIX + new_token(32)
    key = ApiKey(
        name=name.strip(),
        prefix=secret[: len(KEY_PREFIX) + 6],
        key_hash=digest(secret),
        scopes=validate_scopes(scopes),
        created_by=actor,
    )
    db.add(key)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="apikey.create",
        resource_type="api_key",
        resource_id=key.id,
        changes={"name": key.name, "scopes": key.scopes},
    )
    return key, secret


def list_api_keys(db: Session) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(db: Session, key_id: int, *, actor: str) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"There is no API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            db, actor=actor, action="apikey.revoke", resource_type="api_key", resource_id=key.id
        )
        # After the commit, this process forgets the key at once (caches, MQTT connections).
        events.raise_in(
            db,
            ApiKeyRevoked(
                municipality_id=key.municipality_id,
                actor=actor,
                key_id=key.id,
                key_hash=key.key_hash,
            ),
        )
    return key


def authenticate_api_key(db: Session, secret: str) -> ApiKey | None:
    """The active key with this secret, within the session's scope (a tenant or SYSTEM)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = db.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret)))
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        key.last_used_at = now
    return key


class MalformedAuthorization(ValueError):
    """An Authorization header of a known scheme that cannot be read."""


def secret_from_authorization(header: str) -> str | None:
    """The API key an Authorization header carries: `Bearer <key>`, or HTTP Basic with any user
    name and the key as password (FROST and other standard clients only speak Basic). None for
    no header or another scheme."""
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise MalformedAuthorization("The Basic authorization header is malformed.") from None
        return decoded.partition(":")[2] or None
    return None
