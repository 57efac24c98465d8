"""Self-service password reset by e-mail.

Asking for a reset answers the same whether or not the account exists: the route answers
at once and this module's `request_reset` runs after the answer is sent. The link carries
a 256-bit token of which only the SHA-256 is kept; it works once, for a limited time, and
using it ends every session of the account. The second factor stays: a reset link alone
does not log anybody in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Gone
from smartcity.core.identity import users
from smartcity.core.identity.models import (
    PasswordReset,
    RoleAssignment,
    UserAccount,
    name_matches,
)
from smartcity.core.identity.passwords import PasswordHashing
from smartcity.core.identity.tokens import digest, new_token
from smartcity.core.mail.services import queue_mail
from smartcity.core.tenancy.models import Municipality

RESET_PATH = "/passwort-zuruecksetzen"
# A mailbox is not flooded: while this many links are open, no further one is sent.
MAX_OPEN = 3

SUBJECT = "Passwort zurücksetzen / Reset your password"
BODY = """Guten Tag,

für Ihr Konto „{username}“ wurde ein neues Passwort angefordert. Über diesen Link legen Sie
es fest (er gilt {minutes} Minuten und nur einmal):

{link}

Wenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren; Ihr Passwort
bleibt dann unverändert.

---

Hello,

a new password was requested for your account "{username}". Set it with this link (valid
for {minutes} minutes, once):

{link}

If you did not ask for this, ignore this message; your password stays as it is.
"""


def _account(db: Session, account: str) -> UserAccount | None:
    account = account.strip()
    if not account:
        return None
    return db.scalar(
        select(UserAccount)
        .where(
            or_(
                name_matches(account),
                func.lower(UserAccount.email) == account.lower(),
            )
        )
        .order_by(UserAccount.id)
        .limit(1)
    )


def _sender_municipality(db: Session, user_id: int) -> Municipality | None:
    """The municipality the mail is sent for (the outbox keeps mail per municipality)."""
    return db.scalar(
        select(Municipality)
        .join(
            RoleAssignment,
            or_(
                RoleAssignment.municipality_id == Municipality.id,
                (RoleAssignment.municipality_id.is_(None))
                & (RoleAssignment.region_id == Municipality.region_id),
            ),
        )
        .where(RoleAssignment.user_id == user_id)
        .order_by(Municipality.id)
        .limit(1)
    )


def request_reset(db: Session, account: str, *, public_url: str, minutes: int) -> bool:
    """Send a reset link to the account named by user name or e-mail address, if it exists,
    is open, logs in with a password and has an address. Needs a session that may write
    any municipality's mail (system scope). Returns whether a mail was queued (for tests;
    callers must not tell anybody)."""
    user = _account(db, account)
    if user is None or not user.is_active or user.password_hash is None or not user.email:
        return False
    now = utcnow()
    db.execute(delete(PasswordReset).where(PasswordReset.expires_at < now))
    open_links = db.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    )
    municipality = _sender_municipality(db, user.id)
    if (open_links or 0) >= MAX_OPEN or municipality is None:
        return False
    token = new_token()
    db.add(
        PasswordReset(
            token_hash=digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    link = f"{public_url.rstrip('/')}{RESET_PATH}?token={token}"
    mail = queue_mail(
        db,
        to=user.email,
        subject=SUBJECT,
        body=BODY.format(username=user.username, minutes=minutes, link=link),
    )
    mail.municipality_id = municipality.id
    audit.record(
        db,
        actor="anonymous",
        action="password.reset_requested",
        resource_type="user",
        resource_id=user.id,
    )
    return True


def _valid(db: Session, token: str) -> PasswordReset:
    reset = db.get(PasswordReset, digest(token)) if token else None
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        raise Gone("This link is unknown, used or expired. Please ask for a new one.")
    return reset


def check_token(db: Session, token: str) -> None:
    """Gone unless the link can still be used (the page asks before showing its form)."""
    _valid(db, token)


def complete_reset(
    db: Session, token: str, new_password: str, *, passwords: PasswordHashing
) -> UserAccount:
    """The new password (the policy applies; InvalidInput otherwise) for the link's account;
    the link and every other open link of the account stop working, every session ends."""
    reset = _valid(db, token)
    user = db.get(UserAccount, reset.user_id)
    if user is None or not user.is_active:
        raise Gone("This link is unknown, used or expired. Please ask for a new one.")
    users.set_password(db, user, new_password, actor=f"user:{user.id}", passwords=passwords)
    reset.used_at = utcnow()
    db.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.token_hash != reset.token_hash
        )
    )
    audit.record(
        db,
        actor=f"user:{user.id}",
        action="password.reset",
        resource_type="user",
        resource_id=user.id,
    )
    return user
