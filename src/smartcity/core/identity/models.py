from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class UserAccount(Base):
    """A staff member. Accounts are instance-wide on purpose: one person may work for several
    municipalities of a region; what they may do is decided per municipality by roles."""

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject"),
        # One name whatever its case: look-ups compare `name_matches` (migration 0020).
        Index("ix_user_account_username_lower", func.lower("username"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by an administrator: the password must be changed at the next login, and is
    # refused after `password_expires_at` (migration 0021).
    password_change_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def name_matches(username: str) -> ColumnElement[bool]:
    """The condition that finds an account by its name, ignoring case and outer spaces."""
    return func.lower(UserAccount.username) == username.strip().lower()


class RoleAssignment(Base):
    """A role of a user in one municipality, or in the whole region (municipality_id NULL)."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "region_id", "municipality_id", "role", "department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), nullable=True, index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)


class WebSession(Base):
    """Server-side login session; the cookie holds a random token, we keep only its hash."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    auth_method: Mapped[str] = mapped_column(String(20), default="password")
    # "full", or the step a password login still has to take before it is one: "mfa" (the
    # second factor), "password" (an initial password to change), "enrol" (a second factor
    # to set up). Only full sessions authenticate anything else (see sessions.py).
    stage: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    # Browser and system, shortened from the User-Agent, for the list of one's sessions.
    device: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The WebAuthn challenge this session was last given (registration or login), once.
    webauthn_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)


class TotpCredential(Base):
    """A user's authenticator app (RFC 6238). The seed is sealed with the server secret;
    `last_step` is the newest time step accepted, so a code cannot be used twice."""

    __tablename__ = "totp_credential"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    secret_sealed: Mapped[str] = mapped_column(String(200), info={"export": False})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class WebAuthnCredential(Base):
    """A passkey or security key (WebAuthn) of a user: its id and public key as the
    authenticator gave them at registration, and the signature counter it last reported."""

    __tablename__ = "webauthn_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[str] = mapped_column(String(2000), info={"export": False})
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RecoveryCode(Base):
    """A one-time code for when the authenticator is lost; only its SHA-256 is kept (the
    codes carry 120 random bits, so a slow hash adds nothing)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"export": False})
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PasswordReset(Base):
    """A password-reset link sent by e-mail: single use, expiring, only its hash kept."""

    __tablename__ = "password_reset"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SubmissionHit(Base):
    """An anonymous submission (application, draft, reply, meter reading), keyed by a keyed
    hash of the client address, for the per-address rate limit."""

    __tablename__ = "submission_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginFailure(Base):
    """A failed login, keyed by keyed hashes of the user name and the client address."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OidcLoginState(Base):
    """State, nonce and PKCE verifier of an OIDC login under way (lives for minutes)."""

    __tablename__ = "oidc_login_state"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(500), default="/")
    purpose: Mapped[str] = mapped_column(String(10), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(TenantOwned, Base):
    """A key for a device or an integration, scoped to one municipality and to scopes."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"export": False})
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CitizenSession(Base):
    """A citizen signed in through the citizen identity provider. It only says who they
    are (issuer and subject, name and e-mail as the provider gave them); it grants nothing
    beyond seeing and continuing their own applications."""

    __tablename__ = "citizen_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What an eID/BundID login says for eligibility checks (a participatory budget's minimum
    # age and residence), only when the provider sent it: the date of birth, the official
    # municipality key (AGS) and the postal code of the address. Nothing more of the address.
    birthdate: Mapped[date | None] = mapped_column(Date, nullable=True)
    residence_ags: Mapped[str | None] = mapped_column(String(8), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(10), nullable=True)


# Data-subject requests match e-mail addresses regardless of case (privacy0002).
Index("ix_citizen_session_email_lower", func.lower(CitizenSession.email))
