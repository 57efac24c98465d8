from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ImportResult(BaseModel):
    created: int
    updated: int


class FlagOut(BaseModel):
    code: str
    message: str


class ReadingReceipt(BaseModel):
    """What the citizen gets back."""

    tracking_code: str
    meter_number: str
    reading_m3: float
    read_on: date
    status: Literal["accepted", "flagged", "confirmed", "rejected"]
    message: str
    consumption_m3: float | None
    rollover: bool
    flags: list[FlagOut]
    receipt: str = Field(description="Compact JWS (Ed25519), verifiable with the JWK Set")
    receipt_pdf: str


class ReadingOut(BaseModel):
    id: int
    meter_number: str
    address: str
    reading_m3: float
    read_on: date
    previous_m3: float
    previous_read_on: date
    consumption_m3: float | None
    daily_liters: float | None
    rollover: bool
    status: str
    flags: list[FlagOut]
    source: str
    submitted_at: datetime
    has_photo: bool
    reviewed_by: str | None
    review_note: str | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "reject"]
    note: str | None = Field(default=None, max_length=2000)
    consumption_m3: float | None = Field(
        default=None, ge=0, description="For a confirmed lower reading: the true consumption"
    )


class MeterOut(BaseModel):
    meter_number: str
    address: str
    digits: int
    last_reading_m3: float
    last_read_on: date
    persons: int | None
