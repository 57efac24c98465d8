"""Request and response models of the leisure API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ZoneOut(BaseModel):
    id: int
    name: str
    capacity: int
    inside: int
    free: int


class FacilityOut(BaseModel):
    id: int
    slug: str
    name: str
    kind: str
    address: str
    zones: list[ZoneOut]


class SlotOut(BaseModel):
    id: int
    zone_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int
    free_with_voucher: int = Field(
        description="Free places for a voucher that unlocks the voucher-only places; "
        "more than `free` means the rest is only with a voucher"
    )
    closed: bool


class ScanIn(BaseModel):
    code: str = Field(min_length=1, max_length=2000, description="The QR's token or a typed code")
    direction: str = Field("entry", pattern="^(entry|exit)$")
    zone_id: int | None = Field(None, ge=1, le=2**31 - 1)
    nonce: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        description="The device's id of this scan: a retry with the same nonce counts once",
    )
    scanned_at: datetime | None = Field(
        None, description="When an offline scan happened (uploaded later)"
    )


class ScanOut(BaseModel):
    result: str = Field(
        description="ok, proof_required, exited, unknown, already_used, not_valid_now, "
        "cancelled, wrong_zone, unpaid, not_inside, used_up, expired"
    )
    admitted: bool
    message: str
    ticket: str | None = None
    product: str | None = None
    places: int | None = None
    zone: str | None = None
    entries_left: int | None = Field(None, description="A punch card: entries left after this scan")
    valid_until: datetime | None = Field(
        None, description="A multi-use ticket: the end of its validity"
    )


class RevokedOut(BaseModel):
    since: datetime
    codes: list[str]
