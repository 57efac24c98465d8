from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field


def _german_required(value: dict[str, str]) -> dict[str, str]:
    if not isinstance(value.get("de"), str) or not value["de"].strip():
        raise ValueError('needs a German text: {"de": "…", "en": "…"}')
    unknown = set(value) - {"de", "en"}
    if unknown:
        raise ValueError(f"unknown languages {sorted(unknown)} (de and en are offered)")
    return value


Localized = Annotated[dict[str, str], AfterValidator(_german_required)]


def _german_list_required(value: dict[str, list[str]]) -> dict[str, list[str]]:
    if not value.get("de"):
        raise ValueError('needs a German list: {"de": ["…"], "en": ["…"]}')
    unknown = set(value) - {"de", "en"}
    if unknown:
        raise ValueError(f"unknown languages {sorted(unknown)} (de and en are offered)")
    if any(len(item) > 300 for items in value.values() for item in items):
        raise ValueError("an item has more than 300 characters")
    return value


LocalizedList = Annotated[dict[str, list[str]], AfterValidator(_german_list_required)]
StartPage = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9][a-z0-9/-]{0,198})?$",
        description="The portal page that starts the service (relative to the municipality's "
        'portal); "" if citizens do not start it; unset for the generic form',
    ),
]
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="URL-safe name")]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    name: Localized
    description: Localized
    leika_key: str | None = Field(default=None, pattern=r"^\d{14}$", description="LeiKa key")
    default_department: str = Field(min_length=1, max_length=100)
    default_fee_cents: int = Field(default=0, ge=0)
    default_processing_days: int = Field(default=30, ge=1, le=3650)
    allows_anonymous: bool = True
    workflow: dict[str, Any] | None = None
    retention_days: int = Field(default=0, ge=0, description="Days after closing; 0 keeps")
    retention_action: Literal["delete", "anonymise"] = "anonymise"
    decision_template: Localized | None = None
    documents: LocalizedList | None = Field(default=None, description="What to have ready")
    legal_basis: Localized | None = None
    start_page: StartPage | None = None


class TemplatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Localized | None = None
    description: Localized | None = None
    leika_key: str | None = Field(default=None, pattern=r"^\d{14}$")
    default_department: str | None = Field(default=None, min_length=1, max_length=100)
    default_fee_cents: int | None = Field(default=None, ge=0)
    default_processing_days: int | None = Field(default=None, ge=1, le=3650)
    allows_anonymous: bool | None = None
    workflow: dict[str, Any] | None = None
    retention_days: int | None = Field(default=None, ge=0)
    retention_action: Literal["delete", "anonymise"] | None = None
    decision_template: Localized | None = None
    documents: LocalizedList | None = None
    legal_basis: Localized | None = None
    start_page: StartPage | None = None


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: dict[str, str]
    description: dict[str, str]
    leika_key: str | None
    default_department: str
    default_fee_cents: int
    default_processing_days: int
    allows_anonymous: bool
    workflow: dict[str, Any]
    retention_days: int
    retention_action: str
    decision_template: dict[str, str] | None
    documents: dict[str, list[str]] | None = None
    legal_basis: dict[str, str] | None = None
    start_page: str | None = None
    current_form_version: int | None = None


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    json_schema: dict[str, Any] = Field(alias="schema", description="JSON Schema 2020-12")
    ui: dict[str, Any] = Field(default_factory=dict, description="Presentation hints")


class FormOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    version: int
    status: str
    json_schema: dict[str, Any] = Field(alias="schema", validation_alias="schema")
    ui: dict[str, Any]
    published_at: datetime | None


class AdoptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: Key = Field(description="Key of the region's service")
    department: str | None = Field(default=None, max_length=100)
    fee_cents: int | None = Field(default=None, ge=0)
    processing_days: int | None = Field(default=None, ge=1, le=3650)
    contact_email: EmailStr | None = None
    contact_phone: str | None = Field(default=None, max_length=50)
    office_address: str | None = Field(default=None, max_length=500)
    office_hours: str | None = Field(default=None, max_length=500)
    active: bool = True


class AdoptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: str | None = Field(default=None, max_length=100)
    fee_cents: int | None = Field(default=None, ge=0)
    processing_days: int | None = Field(default=None, ge=1, le=3650)
    contact_email: EmailStr | None = None
    contact_phone: str | None = Field(default=None, max_length=50)
    office_address: str | None = Field(default=None, max_length=500)
    office_hours: str | None = Field(default=None, max_length=500)
    active: bool | None = None


class ServiceOut(BaseModel):
    """A service as the municipality offers it: the region's definition with local settings."""

    key: str
    name: str
    description: str
    leika_key: str | None
    department: str
    fee_cents: int
    processing_days: int
    contact_email: str | None
    contact_phone: str | None
    office_address: str | None = None
    office_hours: str | None = None
    documents: list[str] = Field(default_factory=list, description="What to have ready")
    legal_basis: str | None = None
    start_page: str | None = Field(
        default=None, description='Its own portal page; "" if citizens do not start it'
    )
    allows_anonymous: bool
    active: bool
    form_version: int | None


class ServiceDetail(ServiceOut):
    form: FormOut | None


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict)
    step: int = Field(default=0, ge=0)
    check_step: int | None = Field(
        default=None, ge=0, description="Check this step's fields; 422 with messages if wrong"
    )
    email: EmailStr | None = Field(default=None, description="Send the resume link here")


class DraftOut(BaseModel):
    id: int
    service: str
    form_version: int
    data: dict[str, Any]
    step: int
    expires_at: datetime
    uploads: list[UploadOut]
    access_token: str | None = Field(
        default=None, description="Send as `Draft-Token` header; only when newly issued"
    )
    resume_url: str | None = Field(default=None, description="One-time link to continue later")
    errors: dict[str, str] = Field(
        default_factory=dict, description="Problems in the checked step, by field"
    )


class UploadOut(BaseModel):
    id: str
    field: str | None
    name: str
    content_type: str
    size: int
    sha512: str


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=100)


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, description="Receipt and news by e-mail")
    language: Literal["de", "en"] = "de"


class DirectSubmissionIn(SubmitIn):
    data: dict[str, Any]


class SubmissionOut(BaseModel):
    tracking_code: str
    submitted_at: datetime
    receipt: str = Field(description="Compact JWS (Ed25519), verifiable with the JWK Set")
    receipt_pdf: str
    status_url: str
    data_sha256: str


class StatusEvent(BaseModel):
    at: datetime
    kind: Literal["status", "message", "reply", "decision"]
    status: str | None = None
    status_label: str | None = None
    text: str | None = None


class StatusOut(BaseModel):
    tracking_code: str
    service: str
    submitted_at: datetime
    status: str
    status_label: str
    deadline: datetime | None
    events: list[StatusEvent]
    decision: DecisionSummary | None
    closed: bool = Field(default=False, description="Closed cases take no more replies")
    awaiting_reply: bool = Field(
        default=False, description="The office's last word is a message or query not answered"
    )
    report: bool = Field(
        default=False, description="A report (e.g. of a defect), not an application"
    )


class DecisionSummary(BaseModel):
    outcome: str
    decided_at: datetime
    text: str
    document: str = Field(description="Signed decision (compact JWS)")
    pdf_url: str


DraftOut.model_rebuild()
StatusOut.model_rebuild()


class ApplicationOut(BaseModel):
    tracking_code: str
    service: str
    submitted_at: datetime
    status: str
    status_label: str


class CitizenOut(BaseModel):
    name: str | None
    email: str | None


class FitConnectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    destination_key: dict[str, Any] = Field(
        description="The destination's public encryption key (RSA JWK, alg RSA-OAEP-256)"
    )
    schema_uri: str | None = Field(
        default=None, description="URI of the data schema; default: this form's own"
    )
