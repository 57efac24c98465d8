"""The second factor of password logins: an authenticator app (TOTP, RFC 6238: SHA-1, six
digits, 30 seconds, one step of clock drift either way) and one-time recovery codes.

The seed is sealed with the server secret (`core.sealing`); a code is accepted once (the
newest accepted time step is kept); recovery codes are kept as SHA-256 digests only. The
QR code for the app is drawn here as SVG, so enrolment asks no other server."""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core import sealing
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict
from smartcity.core.identity.models import (
    RecoveryCode,
    TotpCredential,
    UserAccount,
    WebAuthnCredential,
)
from smartcity.core.identity.sessions import end_all_sessions
from smartcity.core.identity.tokens import digest

ISSUER = "Smart City"
INTERVAL = 30
RECOVERY_CODES = 10
_PURPOSE = "totp secrets"


@dataclass(frozen=True)
class Enrolment:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    uri: str

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, easier to type by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> str:
        """An inline SVG (no XML declaration, no style) of the `otpauth://` URI."""
        return str(
            segno.make(self.uri, error="m").svg_inline(
                scale=5, dark="#000", light="#fff", omitsize=False
            )
        )


def _owner(user_id: int) -> str:
    return f"user:{user_id}"


def _open(credential: TotpCredential, server_secret: str) -> str:
    return sealing.unseal(
        credential.secret_sealed,
        server_secret,
        purpose=_PURPOSE,
        owner=_owner(credential.user_id),
    ).decode()


def _enrolment(user: UserAccount, secret: str, issuer: str) -> Enrolment:
    label = quote(f"{issuer}:{user.username}", safe="")
    uri = (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}"
        f"&algorithm=SHA1&digits=6&period={INTERVAL}"
    )
    return Enrolment(secret=secret, uri=uri)


def has_totp(db: Session, user_id: int) -> bool:
    credential = db.get(TotpCredential, user_id)
    return credential is not None and credential.confirmed_at is not None


def start_enrolment(
    db: Session, user: UserAccount, server_secret: str, *, issuer: str = ISSUER
) -> Enrolment:
    """A new seed waiting for its first code (or the one already waiting). Conflict when the
    user has a confirmed authenticator already."""
    credential = db.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict("An authenticator app is already set up for this account.")
    if credential is None:
        secret = pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends
        credential = TotpCredential(
            user_id=user.id,
            secret_sealed=sealing.seal(
                secret.encode(), server_secret, purpose=_PURPOSE, owner=_owner(user.id)
            ),
            created_at=utcnow(),
            last_step=0,
        )
        db.add(credential)
        db.flush()
    return _enrolment(user, _open(credential, server_secret), issuer)


def pending_enrolment(
    db: Session, user: UserAccount, server_secret: str, *, issuer: str = ISSUER
) -> Enrolment | None:
    credential = db.get(TotpCredential, user.id)
    if credential is None or credential.confirmed_at is not None:
        return None
    return _enrolment(user, _open(credential, server_secret), issuer)


def _normalized(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def _matching_step(credential: TotpCredential, secret: str, code: str, now: float) -> int | None:
    code = _normalized(code)
    # ASCII only: hmac.compare_digest refuses other characters ("١٢٣٤٥٦" is decimal, too).
    if len(code) != 6 or not (code.isascii() and code.isdecimal()):
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    current = int(now // INTERVAL)
    for step in (current - 1, current, current + 1):
        if step > credential.last_step and hmac.compare_digest(totp.at(step * INTERVAL), code):
            return step
    return None


def confirm_enrolment(
    db: Session, user: UserAccount, code: str, server_secret: str, *, now: float | None = None
) -> list[str] | None:
    """The first code from the app switches the second factor on; returns the recovery codes
    (shown once), or None when the code is wrong. Conflict when nothing waits."""
    credential = db.get(TotpCredential, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict("There is no authenticator app waiting to be confirmed.")
    step = _matching_step(credential, _open(credential, server_secret), code, now or time.time())
    if step is None:
        return None
    credential.last_step = step
    credential.confirmed_at = utcnow()
    audit.record(
        db, actor=_owner(user.id), action="mfa.enrol", resource_type="user", resource_id=user.id
    )
    return new_recovery_codes(db, user.id)


def new_recovery_codes(db: Session, user_id: int) -> list[str]:
    """Fresh codes (the old ones stop working): 120 random bits each, in groups of four."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    db.add_all(RecoveryCode(user_id=user_id, code_hash=digest(_normalized(c))) for c in codes)
    db.flush()
    return codes


def verify(
    db: Session, user: UserAccount, code: str, server_secret: str, *, now: float | None = None
) -> str | None:
    """Checks a code from the app or an unused recovery code; returns which ("totp",
    "recovery") or None. A code counts once."""
    credential = db.get(TotpCredential, user.id)
    if credential is None or credential.confirmed_at is None:
        return None
    step = _matching_step(credential, _open(credential, server_secret), code, now or time.time())
    if step is not None:
        credential.last_step = step
        return "totp"
    recovery = db.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(_normalized(code)),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        return None
    recovery.used_at = utcnow()
    audit.record(
        db,
        actor=_owner(user.id),
        action="mfa.recovery_code_used",
        resource_type="user",
        resource_id=user.id,
    )
    return "recovery"


def recovery_codes_left(db: Session, user_id: int) -> int:
    return len(
        db.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def remove(db: Session, user: UserAccount, *, actor: str) -> bool:
    """Take away the second factor, app and passkeys (the operator, after checking who
    asks: ASVS 6.4.4).
    Every session of the user ends. Returns whether there was one."""
    credential = db.get(TotpCredential, user.id)
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    keys = db.execute(delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    if credential is None and not getattr(keys, "rowcount", 0):
        return False
    if credential is not None:
        db.delete(credential)
    end_all_sessions(db, user.id)
    audit.record(db, actor=actor, action="mfa.remove", resource_type="user", resource_id=user.id)
    return True
