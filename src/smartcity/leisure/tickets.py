"""Tickets as signed tokens: a compact JWS (the municipality's Ed25519 key, core.signing)
with the ticket's random code, facility, zone, product and validity. A gate checks the
signature against the published JWK Set without the database; the database then says
whether the ticket was used, refunded or revoked. Rendered as a QR code (segno) and a PDF."""

from __future__ import annotations

import base64
import io
import re
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import segno
from fpdf import FPDF
from sqlalchemy.orm import Session

from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import i18n
from smartcity.leisure.facilities import age_band, zone_ids_of
from smartcity.leisure.models import Facility, Order, Product, Slot, Ticket, Zone

CLAIMS_VERSION = 1
TYPED = re.compile(r"[^A-Z2-7]")


def new_code() -> str:
    """16 characters of base32: 80 random bits, short enough to type at the gate."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def shown_code(code: str) -> str:
    """ "ABCD-EFGH-IJKL-MNOP": how a ticket's code is printed and read out."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def typed_code(text: str) -> str | None:
    """A code as staff typed it (any case, with dashes or spaces), or None."""
    cleaned = TYPED.sub("", text.upper().replace("0", "O").replace("1", "I"))
    return cleaned if len(cleaned) == 16 else None


def claims_of(
    municipality: Municipality,
    ticket: Ticket,
    slot: Slot | None,
    product: Product,
    dates: list[tuple[datetime, datetime]] | None = None,
) -> dict[str, Any]:
    """The token's claims; a multi-use ticket (no slot) is valid for its period and says how
    many entries it has (`e`) and in which zones (`zs`); a course ticket lists its dates
    (`c`, start and end of each); a ticket with an age limit says the ages (`a`)."""
    starts = slot.starts_at if slot is not None else ticket.valid_from
    ends = slot.ends_at if slot is not None else ticket.valid_until
    claims: dict[str, Any] = {
        "v": CLAIMS_VERSION,
        "t": ticket.code,
        "m": municipality.slug,
        "f": product.facility_id,
        "z": ticket.zone_id,
        "p": product.kind,
        "n": ticket.places,
        "nbf": int(starts.timestamp()) if starts else None,
        "exp": int(ends.timestamp()) if ends else None,
        "rp": product.proof_required,
    }
    if ticket.entries_total is not None:
        claims["e"] = ticket.entries_total
    if ticket.one_per_day:
        claims["d1"] = True
    if ticket.zone_ids:
        claims["zs"] = zone_ids_of(ticket.zone_ids)
    if dates:
        claims["c"] = [[int(start.timestamp()), int(end.timestamp())] for start, end in dates]
    if product.age_min is not None or product.age_max is not None:
        claims["a"] = [product.age_min, product.age_max]
    return claims


def sign(
    db: Session,
    municipality: Municipality,
    ticket: Ticket,
    slot: Slot | None,
    product: Product,
    secret: str,
    dates: list[tuple[datetime, datetime]] | None = None,
) -> str:
    claims = claims_of(municipality, ticket, slot, product, dates)
    return signing.sign(db, municipality, claims, secret)


def verify(token: str, keys: dict[str, Any]) -> dict[str, Any]:
    """The claims of a ticket token signed by one of `keys` (a JWK Set: no database needed);
    signing.SignatureInvalid for a forged, truncated or foreign token. The gate's hot path:
    `signing.verify` makes the key objects once per key set."""
    claims = signing.verify(token, keys)
    if claims.get("v") != CLAIMS_VERSION or not isinstance(claims.get("t"), str):
        raise signing.SignatureInvalid("not a ticket")
    return claims


def qr_svg(token: str) -> str:
    """The QR code as an SVG document (dark on light, with a quiet zone)."""
    out = io.BytesIO()
    segno.make(token, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return out.getvalue().decode()


def qr_png(token: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(token, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def euros(cents: int, language: str = "de") -> str:
    whole, rest = divmod(cents, 100)
    return f"{whole},{rest:02d} €" if language == "de" else f"€{whole}.{rest:02d}"


def _latin(text: str) -> str:
    return text.encode("windows-1252", "replace").decode("windows-1252")


# Page formats: A4 to print, A6 portrait to show on a phone.
FORMATS: dict[str, str | tuple[float, float]] = {"a4": "a4", "a6": (105.0, 148.0)}


def pdf(
    municipality: Municipality,
    facility: Facility,
    zone: Zone,
    slot: Slot | None,
    tickets: list[tuple[Ticket, Product]],
    page_format: str = "a4",
) -> bytes:
    """The tickets of an order, one per page: facility, zone, time, product, code, QR."""
    document = FPDF(format=FORMATS.get(page_format, "a4"))
    document.core_fonts_encoding = "windows-1252"  # German letters, "€" and dashes
    document.set_title(_latin(i18n.gettext_("Ticket") + " " + facility.name))
    document.set_author(_latin(municipality.shown_name))
    small = page_format == "a6"
    width = document.w - 2 * (8 if small else 20)
    for ticket, product in tickets:
        document.add_page()
        document.set_margins(8 if small else 20, 8 if small else 20)
        document.set_xy(8 if small else 20, 8 if small else 20)
        document.set_font("helvetica", "B", 14 if small else 20)
        document.multi_cell(width, 8 if small else 10, _latin(facility.name))
        document.set_font("helvetica", "", 10 if small else 13)
        lines = [
            zone.name,
            when(municipality, slot, ticket),
            f"{product.name} ({ticket.places})",
            euros(ticket.price_cents),
        ]
        if ticket.entries_total is not None:
            lines.append(i18n.gettext_("%(n)s entries") % {"n": ticket.entries_total})
        if ticket.one_per_day:
            lines.append(i18n.gettext_("one entry per day"))
        if product.proof_required:
            lines.append(i18n.gettext_("Please bring your proof of entitlement."))
        if product.age_min is not None or product.age_max is not None:
            lines.append(
                i18n.gettext_("Age %(band)s: checked at the entry")
                % {"band": age_band(product.age_min, product.age_max)}
            )
        for line in lines:
            document.multi_cell(width, 6 if small else 8, _latin(line))
        size = 60 if small else 90
        document.image(io.BytesIO(qr_png(ticket.token)), w=size, h=size)
        document.set_font("courier", "B", 11 if small else 14)
        document.multi_cell(width, 8, shown_code(ticket.code))
    return bytes(document.output())


def when(municipality: Municipality, slot: Slot | None, ticket: Ticket) -> str:
    """The slot's time, or a multi-use ticket's days of validity."""
    zone = ZoneInfo(municipality.timezone)
    if slot is not None:
        return (
            i18n.moment(slot.starts_at, municipality.timezone)
            + " – "
            + slot.ends_at.astimezone(zone).strftime("%H:%M")
        )
    if ticket.valid_from is None or ticket.valid_until is None:
        return ""
    first = ticket.valid_from.astimezone(zone).strftime("%d.%m.%Y")
    # valid_until is the midnight after the last day.
    last = (ticket.valid_until.astimezone(zone) - timedelta(seconds=1)).strftime("%d.%m.%Y")
    return f"{first} – {last}"


def ical(order: Order, facility: Facility, zone: Zone, slot: Slot, page_url: str) -> bytes:
    """The visit as an iCalendar event, for the buyer's calendar."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//smartcity//leisure//DE")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"leisure-order-{order.id}-{slot.id}@smartcity")
    event.add("summary", f"{facility.name}: {zone.name}")
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("dtstamp", order.created_at)
    event.add("location", facility.address or facility.name)
    event.add("url", page_url)
    if order.state == "cancelled":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
