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


class ProductOut(BaseModel):
    id: int
    name: str
    kind: str
    places: int = Field(description="Places one ticket takes (a family ticket: 4)")
    price_cents: int
    proof_required: bool = Field(description="The gate checks a proof (reduced prices)")
    age_min: int | None = Field(
        None, description="The youngest age the ticket is for; a booking must confirm the ages"
    )
    age_max: int | None = Field(
        None, description="The oldest age the ticket is for; a booking must confirm the ages"
    )
    min_places: int | None = Field(
        None, description="A group ticket: the fewest persons a booking may give as its count"
    )
    max_places: int | None = Field(
        None, description="A group ticket: the most persons a booking may give as its count"
    )


class BookingTicketIn(BaseModel):
    product_id: int = Field(ge=1, le=2**31 - 1)
    count: int = Field(ge=1, le=100, description="Tickets of this product (a group: its persons)")


class BookingIn(BaseModel):
    slot_id: int = Field(ge=1, le=2**31 - 1)
    tickets: list[BookingTicketIn] = Field(min_length=1, max_length=10)
    email: str = Field(
        "",
        max_length=254,
        description="The buyer's address for the confirmation with the tickets (PDF, "
        "calendar); empty when the partner hands the tickets over itself",
    )
    language: str = Field("de", pattern="^(de|en)$")
    voucher_code: str = Field("", max_length=40, description="A voucher or gift card's code")
    ages_confirmed: bool = Field(
        False,
        description="The partner confirms that the visitors are in the age band of the "
        "tickets that have one (child tickets); required for such tickets",
    )


class BookedTicketOut(BaseModel):
    code: str = Field(description="The ticket's code as printed (ABCD-EFGH-IJKL-MNOP)")
    product_id: int
    product: str
    places: int
    price_cents: int
    state: str = Field(description="valid, refunded")
    token: str = Field(description="The signed QR payload (compact JWS, docs/leisure.md)")
    qr_svg: str = Field(description="The address of the ticket's QR code (SVG)")


class BookingLinks(BaseModel):
    page: str = Field(description="The booking's page: tickets, cancellation")
    pdf: str
    pdf_phone: str = Field(description="The tickets as a phone-sized PDF (A6)")
    calendar: str = Field(description="The visit as an iCalendar file")


class BookingOut(BaseModel):
    code: str = Field(description="The booking's secret code: the access to it")
    state: str = Field(description="confirmed, cancelled")
    payment_state: str = Field(description="paid, pending (pay at the cash desk), refunded, void")
    payment_provider: str = Field(description="free, cash_desk")
    total_cents: int
    voucher_cents: int
    facility_id: int
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    cancel_until: datetime = Field(description="Until when the booking can be cancelled")
    tickets: list[BookedTicketOut]
    links: BookingLinks
