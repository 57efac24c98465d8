from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["approved", "partially_approved", "rejected"]


class CaseSummary(BaseModel):
    id: int
    tracking_code: str
    service: str
    service_name: str
    department: str
    status: str
    status_label: str
    assignee_id: int | None
    created_at: datetime
    deadline: datetime | None
    overdue: bool
    age_days: int
    version: int


class CasePage(BaseModel):
    total: int
    cases: list[CaseSummary]


class FileOut(BaseModel):
    id: str
    name: str
    content_type: str
    size: int
    sha512: str
    source: Literal["applicant", "staff"]
    url: str


class EventOut(BaseModel):
    id: int
    kind: str
    public: bool
    status: str | None
    text: str | None
    actor: str
    created_at: datetime


class CaseOut(CaseSummary):
    form_version: int
    data: dict[str, Any]
    answers: list[tuple[str, str]]
    contact_email: str | None
    allowed_statuses: list[str]
    files: list[FileOut]
    events: list[EventOut]
    decision: dict[str, Any] | None


class CasePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(default=None, description="Staff member; null unassigns")
    deadline: datetime | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str
    note: str | None = Field(default=None, max_length=5000, description="Internal note")


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    text: str = Field(min_length=1, max_length=20_000, description="Reasons (Begründung)")


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    seq: int
