from __future__ import annotations

from datetime import datetime

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
