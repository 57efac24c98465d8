from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

Kind = Literal["access", "erasure", "restriction", "rectification"]


class Correction(BaseModel):
    """What is wrong and what is right: an e-mail address or a name wherever the platform
    finds the person by it, or another kind a module declares rectifiable in their rows."""

    kind: Literal["email", "name", "address", "phone", "public_name", "birth_date"]
    old: str = Field(min_length=1, max_length=320)
    new: str = Field(min_length=1, max_length=320)


class RequestIn(BaseModel):
    """A data-subject request as staff enter it (received by letter, in person, by mail)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    email: EmailStr | None = None
    name: str | None = Field(default=None, max_length=200)
    tracking_codes: list[str] = Field(default_factory=list, max_length=20)
    details: str = Field(default="", max_length=5000)
    correction: Correction | None = None
    received_at: datetime | None = None


class PortalRequestIn(BaseModel):
    """A request a citizen makes on the portal."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    email: EmailStr | None = None
    name: str | None = Field(default=None, max_length=200)
    tracking_codes: list[str] = Field(default_factory=list, max_length=20)
    details: str = Field(default="", max_length=5000)
    correction: Correction | None = None


class ConfirmIn(BaseModel):
    token: str = Field(min_length=10, max_length=100)


class RequestOut(BaseModel):
    id: int
    kind: str
    status: str
    source: str
    email: str | None
    name: str | None
    tracking_codes: list[str]
    details: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    extension_reason: str | None
    identity_check: str | None
    closed_at: datetime | None
    outcome: dict[str, Any] | None


class PortalAnswer(BaseModel):
    status: str
    message: str


class IdentityIn(BaseModel):
    how: str = Field(min_length=3, max_length=1000)


class ExtensionIn(BaseModel):
    reason: str = Field(min_length=3, max_length=1000)


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str = Field(max_length=63)
    row_id: str = Field(max_length=64)
    reason: str = Field(min_length=3, max_length=500)
    until: date | None = None


class HoldOut(BaseModel):
    id: int
    table: str
    row_id: str
    reason: str
    until: date | None
    request_id: int | None
    created_at: datetime


class DueOut(BaseModel):
    module: str
    table: str
    retention: str
    action: str
    rows: int
    held: int
    # The module's own retention job that removes these rows, if not the declaration's period.
    job: str | None = None


class PlanOut(BaseModel):
    as_of: datetime
    due: list[DueOut]
    elsewhere: list[dict[str, str]]


class RunIn(BaseModel):
    """Run retention as the dry run taken at `as_of` announced (with its time zone, as the dry
    run gives it: a moment without one is refused, not guessed)."""

    as_of: AwareDatetime


class BreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(default="", max_length=5000)
    became_known_at: datetime
    risk: Literal["unassessed", "unlikely", "risk", "high"] = "unassessed"
    categories: list[str] = Field(default_factory=list, max_length=30)
    subjects_affected: int | None = Field(default=None, ge=0)
    measures: str = Field(default="", max_length=5000)


class BreachNotifiedIn(BaseModel):
    authority_at: datetime | None = None
    subjects_at: datetime | None = None


class BreachOut(BaseModel):
    id: int
    title: str
    risk: str
    became_known_at: datetime
    notify_by: datetime
    hours_left: float | None
    authority_notified_at: datetime | None
    subjects_notified_at: datetime | None
    late: bool


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$")
    email: EmailStr
    wording: str = Field(min_length=3, max_length=500)


class ConsentOut(BaseModel):
    id: int
    purpose: str
    email: str | None
    wording: str
    given_at: datetime
    withdrawn_at: datetime | None
