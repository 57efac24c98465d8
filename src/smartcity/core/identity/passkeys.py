"""WebAuthn (passkeys, security keys) as the second factor of password logins, with
py_webauthn. The relying party is this instance's public address
(`SMARTCITY_PUBLIC_URL`): its host name is the RP ID, its origin the only one accepted.

A challenge is kept on the session that asked for it (the full session registering a key,
or the login waiting for its second factor) and used once. Only the public key, the
credential id and the signature counter are stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import webauthn
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.identity import mfa
from smartcity.core.identity.models import UserAccount, WebAuthnCredential, WebSession

RP_NAME = "Smart City"
MAX_CREDENTIALS = 10


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str

    @classmethod
    def of(cls, public_url: str) -> RelyingParty:
        parts = urlsplit(public_url)
        return cls(rp_id=parts.hostname or "localhost", origin=f"{parts.scheme}://{parts.netloc}")


def credentials_of(db: Session, user_id: int) -> list[WebAuthnCredential]:
    return list(
        db.scalars(
            select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user_id)
            .order_by(WebAuthnCredential.id)
        )
    )


def count(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user_id)
        )
        or 0
    )


def _descriptors(found: list[WebAuthnCredential]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id)) for c in found]


def registration_options(
    db: Session, user: UserAccount, web_session: WebSession, party: RelyingParty
) -> str:
    """The options for `navigator.credentials.create()`, as JSON; the challenge is kept on
    the session."""
    options = webauthn.generate_registration_options(
        rp_id=party.rp_id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=f"smartcity-user-{user.id}".encode(),
        user_display_name=user.display_name or user.username,
        exclude_credentials=_descriptors(credentials_of(db, user.id)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    web_session.webauthn_challenge = bytes_to_base64url(options.challenge)
    return str(webauthn.options_to_json(options))


def _take_challenge(web_session: WebSession) -> bytes | None:
    challenge = web_session.webauthn_challenge
    web_session.webauthn_challenge = None  # once
    return base64url_to_bytes(challenge) if challenge else None


def register(
    db: Session,
    user: UserAccount,
    web_session: WebSession,
    party: RelyingParty,
    credential: str | dict[str, Any],
    name: str,
) -> list[str] | None:
    """Store the authenticator's answer to the session's challenge. Returns fresh recovery
    codes when this is the account's first second factor (None otherwise); InvalidInput
    when the answer does not verify."""
    challenge = _take_challenge(web_session)
    if challenge is None:
        raise InvalidInput("No passkey registration was started.", errors={"credential": ""})
    if count(db, user.id) >= MAX_CREDENTIALS:
        raise InvalidInput(f"At most {MAX_CREDENTIALS} passkeys per account.")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            "The security key's answer could not be verified.", errors={"credential": ""}
        ) from exc
    first = not mfa.has_totp(db, user.id) and count(db, user.id) == 0
    db.add(
        WebAuthnCredential(
            user_id=user.id,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            name=name.strip()[:100] or "Passkey",
        )
    )
    db.flush()
    audit.record(
        db,
        actor=f"user:{user.id}",
        action="mfa.passkey_added",
        resource_type="user",
        resource_id=user.id,
    )
    return mfa.new_recovery_codes(db, user.id) if first else None


def authentication_options(
    db: Session, user: UserAccount, web_session: WebSession, party: RelyingParty
) -> str | None:
    """Options for `navigator.credentials.get()` as JSON (None: the user has no passkey)."""
    found = credentials_of(db, user.id)
    if not found:
        return None
    options = webauthn.generate_authentication_options(
        rp_id=party.rp_id,
        allow_credentials=_descriptors(found),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    web_session.webauthn_challenge = bytes_to_base64url(options.challenge)
    return str(webauthn.options_to_json(options))


def verify(
    db: Session,
    user: UserAccount,
    web_session: WebSession,
    party: RelyingParty,
    credential: str | dict[str, Any],
) -> bool:
    """Whether the answer is a valid signature of the session's challenge by one of the
    user's passkeys (the challenge is used up either way)."""
    challenge = _take_challenge(web_session)
    if challenge is None:
        return False
    try:
        parsed = webauthn.helpers.parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    stored = db.scalar(
        select(WebAuthnCredential).where(
            WebAuthnCredential.user_id == user.id,
            WebAuthnCredential.credential_id == bytes_to_base64url(parsed.raw_id),
        )
    )
    if stored is None:
        return False
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=base64url_to_bytes(stored.public_key),
            credential_current_sign_count=stored.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = utcnow()
    return True
