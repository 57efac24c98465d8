from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    username: str = Field(max_length=150)
    password: str = Field(max_length=1024)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, description="At least 8 characters, any kind")


class AccountLock(BaseModel):
    active: bool = Field(description="false locks the account and ends its sessions")


class CurrentUser(BaseModel):
    id: int
    username: str
    display_name: str
    csrf_token: str = Field(description="Send as X-CSRF-Token with every unsafe request")


class StaffMember(BaseModel):
    id: int
    username: str
    display_name: str
    is_active: bool
    roles: list[str] = Field(description="role or role:department")


class StaffCreate(BaseModel):
    username: str = Field(max_length=150)
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    password: str | None = Field(
        default=None, max_length=1024, description="Omit for accounts that only log in via OIDC"
    )
    role: str
    department: str | None = Field(default=None, max_length=100)


class RoleChange(BaseModel):
    role: str
    department: str | None = Field(default=None, max_length=100)


class ApiKeyCreate(BaseModel):
    name: str = Field(max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=20)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret. Shown only in this response.")


class LoginStep(BaseModel):
    """The answer to every step of a login. `next_step` null: logged in. Otherwise the
    session cookie admits only that step (for ten minutes): `mfa` — `POST /auth/mfa` with
    a code; `password` — `POST /auth/password` (the initial password must be replaced);
    `enrol` — `POST /auth/mfa/totp`, then `POST /auth/mfa/totp/confirm`."""

    id: int
    username: str
    display_name: str
    csrf_token: str = Field(description="Send as X-CSRF-Token with every unsafe request")
    next_step: Literal["mfa", "password", "enrol"] | None = None


class MfaCode(BaseModel):
    code: str = Field(
        max_length=64, description="Six digits from the app, or one of the recovery codes"
    )


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32 seed, for typing into the app by hand")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (what the QR code holds)")
    qr_svg: str = Field(description="The URI as a QR code, an SVG drawn by this server")


class TotpEnrolled(LoginStep):
    recovery_codes: list[str] = Field(
        description="One-time codes for when the app is lost. Shown only in this response."
    )


class MfaStatus(BaseModel):
    totp: bool = Field(description="An authenticator app is set up")
    passkeys: int = Field(description="Passkeys and security keys registered")
    required: bool = Field(description="A role of this account needs a second factor")
    recovery_codes_left: int


class SessionOut(BaseModel):
    current: bool = Field(description="The session this request came with")
    created_at: datetime
    last_seen_at: datetime
    device: str = Field(description="Browser and system, shortened from the User-Agent")
    method: str = Field(description="password or oidc")


class PasswordResetRequest(BaseModel):
    account: str = Field(min_length=1, max_length=320, description="User name or e-mail")


class PasswordResetCompletion(BaseModel):
    token: str = Field(max_length=100)
    new_password: str = Field(max_length=1024, description="At least 8 characters, any kind")


class PasskeyRegistration(BaseModel):
    credential: dict[str, Any] = Field(
        description="The PublicKeyCredential from navigator.credentials.create(), as JSON "
        "(`credential.toJSON()`)"
    )
    name: str = Field(default="Passkey", max_length=100, description="To tell keys apart")


class PasskeyAdded(LoginStep):
    recovery_codes: list[str] | None = Field(
        description="One-time codes, when this is the account's first second factor "
        "(shown only in this response); otherwise null"
    )


class PasskeyAssertion(BaseModel):
    credential: dict[str, Any] = Field(
        description="The PublicKeyCredential from navigator.credentials.get(), as JSON"
    )
