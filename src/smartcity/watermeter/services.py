"""The meter registry, readings and their review, and the billing export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.citizen import tracking
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.documents import Document
from smartcity.core.errors import Conflict, InvalidInput, NotFound, ServiceError
from smartcity.core.lookup import found_or_404, get_or_404
from smartcity.core.mail.services import queue_mail
from smartcity.core.portal import Portal
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.watermeter.models import MeterReading, WaterMeter
from smartcity.watermeter.plausibility import Flag, MeterState, check
from smartcity.watermeter.schemas import (
    FlagOut,
    ImportResult,
    MeterOut,
    ReadingOut,
    ReadingReceipt,
)

PHOTO = "reading"
COLUMNS = ("meter_number", "address", "digits", "last_reading", "last_reading_date")
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
MESSAGES = {
    "accepted": "Vielen Dank, Ihr Zählerstand ist eingegangen.",
    "flagged": "Vielen Dank, Ihr Zählerstand ist eingegangen. Er weicht vom Erwarteten ab; "
    "die Stadtwerke sehen ihn sich an und melden sich, falls etwas fehlt.",
    "confirmed": "Ihr Zählerstand wurde geprüft und übernommen.",
    "rejected": "Ihr Zählerstand wurde nach Prüfung nicht übernommen.",
}


# ---- numbers and dates as people type them --------------------------------------------


def parse_m3(text: str) -> int:
    """A reading in cubic metres ("12345,678", "12345.678", "12 345") → litres."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,3})?", cleaned):
        raise ValueError(text)
    try:
        return int(Decimal(cleaned) * 1000)
    except InvalidOperation:
        raise ValueError(text) from None


def parse_day(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def m3(liters: int | None) -> float | None:
    return None if liters is None else liters / 1000


def de_number(liters: int | None) -> str:
    return "" if liters is None else f"{liters / 1000:.3f}".replace(".", ",")


# ---- registry ---------------------------------------------------------------------------


def import_csv(db: Session, municipality: Municipality, text: str, actor: str) -> ImportResult:
    """Create or update meters from CSV (`;` or `,` separated, a header row; columns
    meter_number, address, digits, last_reading (m³), last_reading_date, optional persons).
    All rows or none: a file with errors changes nothing and lists every problem."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"The CSV lacks the columns {', '.join(missing)}.")
    reader.fieldnames = header
    rows: list[tuple[str, str, int, int, date, int | None]] = []
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        number = (row.get("meter_number") or "").strip()
        try:
            if not number or len(number) > 40:
                raise ValueError("meter_number is empty or longer than 40 characters")
            if number in seen:
                raise ValueError(f"meter {number} appears twice")
            digits = int((row.get("digits") or "").strip())
            if not 3 <= digits <= 9:
                raise ValueError("digits must be between 3 and 9")
            reading = parse_m3(row.get("last_reading") or "")
            if reading >= 10**digits * 1000:
                raise ValueError(f"last_reading has more than {digits} digits")
            read_on = parse_day(row.get("last_reading_date") or "")
            persons_text = (row.get("persons") or "").strip()
            persons = int(persons_text) if persons_text else None
            if persons is not None and not 1 <= persons <= 50:
                raise ValueError("persons must be between 1 and 50")
            address = (row.get("address") or "").strip()
            if not address:
                raise ValueError("address is empty")
        except ValueError as exc:
            problems[f"line {line}"] = str(exc)
            continue
        seen.add(number)
        rows.append((number, address[:300], digits, reading, read_on, persons))
    if problems:
        raise InvalidInput("Nothing was imported: the CSV has errors.", errors=problems)
    existing = {m.meter_number: m for m in db.scalars(select(WaterMeter))}
    created = updated = 0
    for number, address, digits, reading, read_on, persons in rows:
        meter = existing.get(number)
        if meter is None:
            db.add(
                WaterMeter(
                    municipality_id=municipality.id,
                    meter_number=number,
                    address=address,
                    digits=digits,
                    last_reading_liters=reading,
                    last_read_on=read_on,
                    persons=persons,
                )
            )
            created += 1
        else:
            meter.address, meter.digits, meter.persons = address, digits, persons
            if read_on > meter.last_read_on:
                meter.last_reading_liters, meter.last_read_on = reading, read_on
            meter.updated_at = utcnow()
            updated += 1
    record(
        db,
        actor=actor,
        action="watermeter.import",
        resource_type="water_meter",
        resource_id="csv",
        changes={"created": created, "updated": updated},
    )
    return ImportResult(created=created, updated=updated)


def meter_by_number(db: Session, number: str) -> WaterMeter:
    """The meter by its number as typed: surrounding spaces and case do not matter (an exact
    match wins should two stored numbers differ only in case)."""
    typed = number.strip()
    found = list(
        db.scalars(
            select(WaterMeter).where(func.lower(WaterMeter.meter_number) == typed.lower()).limit(5)
        )
    )
    exact = [m for m in found if m.meter_number == typed]
    meter = exact[0] if exact else found[0] if len(found) == 1 else None
    if meter is None:
        raise NotFound(
            "Diese Zählernummer ist uns nicht bekannt. Bitte prüfen Sie die Nummer auf dem "
            "Zähler oder Ihrer letzten Abrechnung.",
            errors={"meter_number": "Unbekannte Zählernummer."},
        )
    return meter


def _state(meter: WaterMeter) -> MeterState:
    return MeterState(
        digits=meter.digits,
        last_liters=meter.last_reading_liters,
        last_read_on=meter.last_read_on,
        persons=meter.persons,
        daily_liters=meter.daily_liters,
    )


def _take_over(meter: WaterMeter, reading: MeterReading) -> None:
    """The reading becomes the meter's last one (and its rate the expected one)."""
    if reading.read_on <= meter.last_read_on:
        return  # a later reading was taken over meanwhile
    meter.last_reading_liters = reading.reading_liters
    meter.last_read_on = reading.read_on
    if reading.daily_liters is not None and reading.daily_liters > 0:
        meter.daily_liters = reading.daily_liters
    meter.updated_at = utcnow()


# ---- readings ---------------------------------------------------------------------------


class ImplausibleReading(InvalidInput):
    """The reading would be flagged for review (`flags`): before it is stored, the citizen
    sees why and may correct a typing error, or confirm it as it is."""

    def __init__(self, flags: list[Flag]) -> None:
        super().__init__(
            "Der Zählerstand wirkt ungewöhnlich; bitte prüfen und bestätigen Sie ihn.",
            errors={"reading": flags[0].message},
        )
        self.flags = flags


def submit_reading(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    *,
    meter_number: str,
    reading_text: str,
    read_on_text: str,
    email: str | None,
    photo: tuple[str, bytes] | None,
    today: date,
    confirmed: bool = True,
) -> tuple[MeterReading, WaterMeter]:
    """Check and keep a reading. `email` as typed into a form: blank means none. Every field
    is checked before anything is stored; a refusal names all problems at once (`errors`).
    Unless `confirmed`, a reading that would be flagged raises ImplausibleReading instead
    (the portal's form asks first; devices and the API send what the meter shows)."""
    errors: dict[str, str] = {}
    try:
        email = _checked_email(email)
    except InvalidInput as exc:
        errors.update(exc.errors)
    meter: WaterMeter | None = None
    unknown: NotFound | None = None
    try:
        meter = meter_by_number(db, meter_number)
    except NotFound as exc:
        errors.update(exc.errors)
        unknown = exc
    reading = read_on = None
    try:
        reading = parse_m3(reading_text)
    except ValueError:
        errors["reading"] = "Bitte geben Sie den Zählerstand als Zahl an, z. B. 1234,567."
    try:
        read_on = parse_day(read_on_text)
    except ValueError:
        errors["read_on"] = "Bitte geben Sie das Ablesedatum an (TT.MM.JJJJ)."
    if read_on is not None and read_on > today:
        errors["read_on"] = "Das Ablesedatum liegt in der Zukunft."
    verdict = None
    if (
        meter is not None
        and reading is not None
        and read_on is not None
        and "read_on" not in errors
    ):
        verdict = check(_state(meter), reading, read_on)
        if verdict.refusal is not None:
            field = "read_on" if "Ablesedatum" in verdict.refusal else "reading"
            errors[field] = verdict.refusal
    prepared = None
    if photo is not None:
        try:  # drawn again without its metadata (EXIF, GPS position)
            prepared = uploads.prepare(portal.limits, photo[0], photo[1], IMAGE_TYPES)
        except InvalidInput as exc:  # empty, unreadable or too many pixels: the photo's fault
            errors["photo"] = exc.detail
        except ServiceError as exc:
            if not errors:
                raise
            errors["photo"] = exc.detail
    if unknown is not None and set(errors) == {"meter_number"}:
        raise unknown
    if errors or meter is None or reading is None or read_on is None or verdict is None:
        raise InvalidInput(
            next(iter(errors.values()), "Bitte prüfen Sie Ihre Angaben."), errors=errors
        )
    if verdict.flags and not confirmed:
        raise ImplausibleReading(verdict.flags)
    code = tracking.new_code()
    while db.scalar(select(MeterReading.id).where(MeterReading.tracking_code == code)):
        code = tracking.new_code()
    now = utcnow()
    status = "flagged" if verdict.flags else "accepted"
    claims = {
        "iss": portal.base(municipality),
        "sub": code,
        "iat": int(now.timestamp()),
        "type": "water_meter_reading",
        "meter_number": meter.meter_number,
        "reading_liters": reading,
        "read_on": read_on.isoformat(),
        "submitted_at": now.isoformat(),
    }
    entry = MeterReading(
        municipality_id=municipality.id,
        meter_id=meter.id,
        reading_liters=reading,
        read_on=read_on,
        previous_liters=meter.last_reading_liters,
        previous_read_on=meter.last_read_on,
        consumption_liters=verdict.consumption_liters,
        daily_liters=verdict.daily_liters,
        rollover=verdict.rollover,
        status=status,
        flags=[{"code": f.code, "message": f.message} for f in verdict.flags],
        source="citizen",
        tracking_code=code,
        receipt=signing.sign(db, municipality, claims, portal.secret),
        contact_email=email,
        submitted_at=now,
    )
    db.add(entry)
    db.flush()
    if prepared is not None:
        uploads.store(
            db,
            data_dir=portal.data_dir,
            limits=portal.limits,
            municipality_id=municipality.id,
            owner_kind=PHOTO,
            owner_id=entry.id,
            name=prepared.name,
            data=prepared,
            allowed=IMAGE_TYPES,
        )
    if status == "accepted":
        _take_over(meter, entry)
    record(
        db,
        actor="anonymous",
        action="watermeter.reading",
        resource_type="meter_reading",
        resource_id=entry.id,
        changes={"status": status, "flags": [f.code for f in verdict.flags]},
    )
    if email:
        queue_mail(
            db,
            to=email,
            subject=f"Ihr Zählerstand {meter.meter_number} ({code})",
            body=(
                f"Guten Tag,\n\nwir haben Ihren Zählerstand {de_number(reading)} m³ vom "
                f"{read_on:%d.%m.%Y} für den Zähler {meter.meter_number} erhalten.\n\n"
                f"{MESSAGES[status]}\n\nVorgangsnummer: {code}\n"
            ),
        )
    return entry, meter


def _checked_email(typed: str | None) -> str | None:
    if typed is None or not typed.strip():
        return None
    try:
        return str(validate_email(typed.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        message = "Bitte geben Sie eine gültige E-Mail-Adresse an."
        raise InvalidInput(message, errors={"email": message}) from None


def receipt_of(
    portal: Portal, municipality: Municipality, entry: MeterReading, meter: WaterMeter
) -> ReadingReceipt:
    url = f"{portal.base(municipality)}/api/v1/watermeter/readings/{entry.tracking_code}"
    return ReadingReceipt(
        tracking_code=entry.tracking_code,
        meter_number=meter.meter_number,
        reading_m3=entry.reading_liters / 1000,
        read_on=entry.read_on,
        status=entry.status,
        message=MESSAGES[entry.status],
        consumption_m3=m3(entry.consumption_liters),
        rollover=entry.rollover,
        flags=[FlagOut(**f) for f in entry.flags],
        receipt=entry.receipt,
        receipt_pdf=f"{url}/receipt.pdf",
    )


def reading_by_code(db: Session, typed: str) -> tuple[MeterReading, WaterMeter]:
    code = tracking.normalise(typed)
    entry = found_or_404(
        db.scalar(select(MeterReading).where(MeterReading.tracking_code == code)) if code else None,
        "Zu dieser Vorgangsnummer gibt es hier keinen Zählerstand.",
    )
    meter = db.get(WaterMeter, entry.meter_id)
    assert meter is not None
    return entry, meter


def receipt_pdf(
    portal: Portal, municipality: Municipality, entry: MeterReading, meter: WaterMeter
) -> bytes:
    return Document(
        title="Bestätigung Zählerstand",
        issuer=municipality.name,
        subtitle=f"Wasserzähler {meter.meter_number}",
        facts=[
            ("Vorgangsnummer", entry.tracking_code),
            ("Zählerstand", f"{de_number(entry.reading_liters)} m³"),
            ("Ablesedatum", f"{entry.read_on:%d.%m.%Y}"),
            ("Eingegangen", entry.submitted_at.strftime("%d.%m.%Y %H:%M UTC")),
            ("Stand", MESSAGES[entry.status]),
        ],
        small_print=[
            "Elektronisch signierte Bestätigung (JWS, Ed25519); prüfbar mit den öffentlichen "
            f"Schlüsseln unter {portal.base(municipality)}/.well-known/jwks.json:",
            entry.receipt,
        ],
    ).render()


def reading_out(entry: MeterReading, meter: WaterMeter, has_photo: bool) -> ReadingOut:
    return ReadingOut(
        id=entry.id,
        meter_number=meter.meter_number,
        address=meter.address,
        reading_m3=entry.reading_liters / 1000,
        read_on=entry.read_on,
        previous_m3=entry.previous_liters / 1000,
        previous_read_on=entry.previous_read_on,
        consumption_m3=m3(entry.consumption_liters),
        daily_liters=entry.daily_liters,
        rollover=entry.rollover,
        status=entry.status,
        flags=[FlagOut(**f) for f in entry.flags],
        source=entry.source,
        submitted_at=entry.submitted_at,
        has_photo=has_photo,
        reviewed_by=entry.reviewed_by,
        review_note=entry.review_note,
    )


def readings(db: Session, status: str | None, limit: int, offset: int) -> list[ReadingOut]:
    query = select(MeterReading, WaterMeter).join(
        WaterMeter, WaterMeter.id == MeterReading.meter_id
    )
    if status:
        query = query.where(MeterReading.status == status)
    rows = db.execute(
        query.order_by(MeterReading.submitted_at, MeterReading.id).limit(limit).offset(offset)
    ).all()
    photos = {
        f.owner_id
        for f in db.scalars(
            select(StoredFile).where(
                StoredFile.owner_kind == PHOTO,
                StoredFile.owner_id.in_([entry.id for entry, _ in rows]),
            )
        )
    }
    return [reading_out(entry, meter, entry.id in photos) for entry, meter in rows]


def review(
    db: Session,
    reading_id: int,
    decision: str,
    note: str | None,
    consumption_m3: float | None,
    actor: str,
) -> ReadingOut:
    entry = get_or_404(db, MeterReading, reading_id, "reading")
    if entry.status != "flagged":
        raise Conflict(
            f"Reading {reading_id} is {entry.status}; only flagged readings are reviewed."
        )
    meter = db.get(WaterMeter, entry.meter_id)
    assert meter is not None
    if decision == "confirm":
        if entry.consumption_liters is None:
            if consumption_m3 is None:
                raise InvalidInput(
                    "This reading is lower than the last one and no meter run-over fits: "
                    "give the true consumption (consumption_m3) to confirm it."
                )
            entry.consumption_liters = round(consumption_m3 * 1000)
            days = (entry.read_on - entry.previous_read_on).days
            entry.daily_liters = entry.consumption_liters / days
            entry.rollover = True
        entry.status = "confirmed"
        _take_over(meter, entry)
    else:
        entry.status = "rejected"
    entry.reviewed_by, entry.reviewed_at, entry.review_note = actor, utcnow(), note
    record(
        db,
        actor=actor,
        action=f"watermeter.review.{decision}",
        resource_type="meter_reading",
        resource_id=entry.id,
    )
    return reading_out(entry, meter, bool(uploads.files_of(db, PHOTO, entry.id)))


def photo_of(db: Session, reading_id: int) -> StoredFile:
    files = uploads.files_of(db, PHOTO, reading_id)
    if not files:
        raise NotFound("This reading has no photo.")
    return files[0]


# ---- billing --------------------------------------------------------------------------


def billing_csv(db: Session, start: date, end: date) -> str:
    """Accepted and confirmed readings taken in [start, end], for the billing system:
    `;`-separated, decimal comma, one row per reading."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "meter_number",
            "address",
            "read_on",
            "reading_m3",
            "previous_read_on",
            "previous_m3",
            "consumption_m3",
            "rollover",
            "status",
            "tracking_code",
        ]
    )
    rows = db.execute(
        select(MeterReading, WaterMeter)
        .join(WaterMeter, WaterMeter.id == MeterReading.meter_id)
        .where(
            MeterReading.status.in_(("accepted", "confirmed")),
            MeterReading.read_on >= start,
            MeterReading.read_on <= end,
        )
        .order_by(WaterMeter.meter_number, MeterReading.read_on)
    ).all()
    for entry, meter in rows:
        writer.writerow(
            [
                meter.meter_number,
                meter.address,
                entry.read_on.isoformat(),
                de_number(entry.reading_liters),
                entry.previous_read_on.isoformat(),
                de_number(entry.previous_liters),
                de_number(entry.consumption_liters),
                "ja" if entry.rollover else "nein",
                entry.status,
                entry.tracking_code,
            ]
        )
    return out.getvalue()


def without_reading(db: Session, start: date, end: date) -> list[WaterMeter]:
    """Meters with no accepted or confirmed reading taken in [start, end]."""
    read = select(MeterReading.meter_id).where(
        MeterReading.status.in_(("accepted", "confirmed")),
        MeterReading.read_on >= start,
        MeterReading.read_on <= end,
    )
    return list(
        db.scalars(
            select(WaterMeter).where(WaterMeter.id.not_in(read)).order_by(WaterMeter.meter_number)
        )
    )


def meters(db: Session, limit: int, offset: int) -> list[WaterMeter]:
    return list(
        db.scalars(select(WaterMeter).order_by(WaterMeter.meter_number).limit(limit).offset(offset))
    )


def meter_out(meter: WaterMeter) -> MeterOut:
    return MeterOut(
        meter_number=meter.meter_number,
        address=meter.address,
        digits=meter.digits,
        last_reading_m3=meter.last_reading_liters / 1000,
        last_read_on=meter.last_read_on,
        persons=meter.persons,
    )
