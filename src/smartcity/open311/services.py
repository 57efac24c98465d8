"""Service requests: filing one (it becomes a case in the category's department), what
Open311 shows of it, the searches, reopening a closed one, and its photo. The categories
they are filed under: categories.py."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.workflow import Workflow
from smartcity.citizen.applications import SUBMISSION
from smartcity.citizen.catalog import adoption_by_id
from smartcity.citizen.system_services import SystemService, file_case
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.lookup import found_or_404, get_or_404
from smartcity.core.portal import Portal
from smartcity.core.spatial import around, great_circle_m
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.open311 import categories
from smartcity.open311.models import ReportCategory, ServiceRequest

# A report of the same category this close to an open one is probably the same defect.
DUPLICATE_RADIUS_M = 50.0
MAX_DESCRIPTION = 4_000
MAX_RESULTS = 1_000
MAX_SPAN = timedelta(days=90)
PHOTO_TYPES = ("image/jpeg", "image/png")
TEMPLATE: dict[str, Any] = {
    "key": "maengelmelder",
    "name": {"de": "Mängelmelder", "en": "Report a defect"},
    "description": {
        "de": "Schäden und Missstände im öffentlichen Raum melden: Schlaglöcher, defekte "
        "Straßenlaternen, wilder Müll.",
        "en": "Report damage and problems in public space: potholes, broken street lights, "
        "rubbish.",
    },
    # Citizens report on the defect form with its map (pages.py), never the general form.
    "start_page": "maengel/melden",
    "default_department": "Bürgerservice",
    "default_processing_days": 14,
    "allows_anonymous": True,
    "retention_days": 730,
    "retention_action": "anonymise",
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["service_code"],
    "properties": {
        "service_code": {"type": "string", "title": "Kategorie"},
        "description": {"type": "string", "title": "Beschreibung", "maxLength": MAX_DESCRIPTION},
        "lat": {"type": "number", "title": "Breite"},
        "long": {"type": "number", "title": "Länge"},
        "address_string": {"type": "string", "title": "Adresse", "maxLength": 300},
        "attributes": {"type": "object", "title": "Angaben"},
        "first_name": {"type": "string", "title": "Vorname", "maxLength": 100},
        "last_name": {"type": "string", "title": "Nachname", "maxLength": 100},
        "phone": {"type": "string", "title": "Telefon", "maxLength": 50},
        "device_id": {"type": "string", "title": "Gerät", "maxLength": 100},
        "account_id": {"type": "string", "title": "Konto", "maxLength": 100},
        "media_url": {"type": "string", "title": "Foto (Adresse)", "maxLength": 500},
    },
}
UI: dict[str, Any] = {"order": list(SCHEMA["properties"])}
REPORT_SERVICE = SystemService(TEMPLATE, SCHEMA, UI)


@dataclass
class NewReport:
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    description: str = ""
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    photo: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class Filed:
    request: ServiceRequest
    # A hint for the reporter (an open report of the same kind nearby).
    notice: str


def file_report(
    db: Session, portal: Portal, municipality: Municipality, report: NewReport
) -> Filed:
    now = utcnow()
    category = categories.by_code(db, report.service_code)
    data = _checked(category, report)
    email = _email(report.email)
    photo = None
    if report.photo is not None:  # before anything is stored; drawn again without its EXIF
        photo = uploads.prepare(portal.limits, report.photo[0], report.photo[1], PHOTO_TYPES)
    nearby = open_nearby(db, category, report.lat, report.long)
    filed = file_case(db, portal, municipality, REPORT_SERVICE, data, email=email, now=now)
    case = filed.case
    case.department = category.department
    request = ServiceRequest(
        category_id=category.id,
        case_id=case.id,
        token=secrets.token_urlsafe(16),
        lat=report.lat,
        lon=report.long,
        address=report.address_string,
        description=report.description,
        media_url=report.media_url or None,
        requested_at=now,
    )
    db.add(request)
    db.flush()
    if photo is not None:
        stored = uploads.store(
            db,
            data_dir=portal.data_dir,
            limits=portal.limits,
            municipality_id=municipality.id,
            owner_kind=SUBMISSION,
            owner_id=filed.submission.id,
            name=photo.name,
            data=photo,
            field="media",
            allowed=PHOTO_TYPES,
        )
        request.media_public_id = stored.public_id
    notice = ""
    if nearby:
        closest = nearby[0]
        notice = (
            f"Ganz in der Nähe ({closest[1]:.0f} m) ist bereits ein offener Hinweis dieser Art "
            f"gemeldet (Nr. {closest[0].id}). Ihre Meldung wurde trotzdem aufgenommen."
        )
    return Filed(request, notice)


def _checked(category: ReportCategory, report: NewReport) -> dict[str, Any]:
    if report.lat is None and report.long is None and not report.address_string.strip():
        raise InvalidInput("A location is required: lat and long, or address_string.")
    if (report.lat is None) != (report.long is None):
        raise InvalidInput("lat and long come together.")
    if (
        report.lat is not None
        and report.long is not None
        and not (-90 <= report.lat <= 90 and -180 <= report.long <= 180)
    ):
        raise InvalidInput("lat and long must be WGS 84 coordinates.")
    limits = {
        "description": MAX_DESCRIPTION,
        "address_string": 300,
        "first_name": 100,
        "last_name": 100,
        "phone": 50,
        "device_id": 100,
        "account_id": 100,
        "media_url": 500,
    }
    for name, limit in limits.items():
        if len(getattr(report, name)) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters.")
    if report.media_url and not report.media_url.startswith(("https://", "http://")):
        raise InvalidInput("media_url must be an http(s) address.")
    data: dict[str, Any] = {
        "service_code": category.service_code,
        "attributes": categories.answers(category, report.attributes),
    }
    for name in limits:
        value = getattr(report, name)
        if value:
            data[name] = value
    if report.lat is not None:
        data["lat"], data["long"] = report.lat, report.long
    return data


def _email(given: str | None) -> str | None:
    if not given:
        return None
    try:
        return validate_email(given, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput("email is not a valid e-mail address.") from None


def open_nearby(
    db: Session, category: ReportCategory, lat: float | None, lon: float | None
) -> list[tuple[ServiceRequest, float]]:
    """Open reports of the category within DUPLICATE_RADIUS_M, nearest first."""
    if lat is None or lon is None:
        return []
    return [
        (request, distance)
        for request, distance in within(db, lat, lon, DUPLICATE_RADIUS_M, [category.id])
        if status_of(request.case) == "open"
    ]


def within(
    db: Session, lat: float, lon: float, radius_m: float, category_ids: Sequence[int] | None
) -> list[tuple[ServiceRequest, float]]:
    query = select(ServiceRequest).where(*_in_box(lat, lon, radius_m))
    if category_ids is not None:
        query = query.where(ServiceRequest.category_id.in_(category_ids))
    hits = []
    for request in db.scalars(query):
        assert request.lat is not None
        assert request.lon is not None
        distance = great_circle_m(lat, lon, request.lat, request.lon)
        if distance <= radius_m:
            hits.append((request, distance))
    return sorted(hits, key=lambda hit: hit[1])


def _in_box(lat: float, lon: float, radius_m: float) -> list[Any]:
    south, north, west, east = around(lat, lon, radius_m)
    return [ServiceRequest.lat.between(south, north), ServiceRequest.lon.between(west, east)]


def status_of(case: Case | None) -> str:
    return "closed" if case is not None and case.closed_at is not None else "open"


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    ids: list[int] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None
    near: tuple[float, float, float] | None = None  # lat, long, radius in metres


def search(db: Session, wanted: Search) -> list[ServiceRequest]:
    if wanted.ids is not None:
        query = select(ServiceRequest).where(ServiceRequest.id.in_(wanted.ids))
        return list(db.scalars(query.order_by(ServiceRequest.id)))
    end = wanted.end or utcnow()
    start = wanted.start or end - MAX_SPAN
    if end < start:
        raise InvalidInput("end_date lies before start_date.")
    if end - start > MAX_SPAN:
        raise InvalidInput("start_date and end_date may not span more than 90 days.")
    query = select(ServiceRequest).where(ServiceRequest.requested_at.between(start, end))
    if wanted.service_codes:
        codes = select(ReportCategory.id).where(
            ReportCategory.service_code.in_(wanted.service_codes)
        )
        query = query.where(ServiceRequest.category_id.in_(codes))
    if wanted.statuses:
        closed = select(Case.id).where(Case.closed_at.is_not(None))
        if wanted.statuses == ["open"]:
            query = query.where(
                ServiceRequest.case_id.is_(None) | ServiceRequest.case_id.not_in(closed)
            )
        elif wanted.statuses == ["closed"]:
            query = query.where(ServiceRequest.case_id.in_(closed))
    found = list(db.scalars(query.order_by(ServiceRequest.requested_at.desc()).limit(MAX_RESULTS)))
    if wanted.near is not None:
        lat, lon, radius = wanted.near
        ids = {r.id for r, _ in within(db, lat, lon, radius, None)}
        found = [r for r in found if r.id in ids]
    return found


def by_id(db: Session, request_id: int) -> ServiceRequest:
    return get_or_404(db, ServiceRequest, request_id, "service request")


def by_token(db: Session, token: str) -> ServiceRequest:
    return found_or_404(
        db.scalar(select(ServiceRequest).where(ServiceRequest.token == token)),
        "There is no service request with this token.",
    )


def requests_out(db: Session, found: list[ServiceRequest], media_base: str) -> list[dict[str, Any]]:
    """The Open311 view; status, notes, responsible department and expected time come from
    each request's case (one query for the cases, one for their public messages)."""
    case_ids = [r.case_id for r in found if r.case_id is not None]
    cases_by_id = {c.id: c for c in db.scalars(select(Case).where(Case.id.in_(case_ids)))}
    notes: dict[int, str] = {}
    for event in db.scalars(
        select(CaseEvent)
        .where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.public.is_(True),
            CaseEvent.kind == "message",
        )
        .order_by(CaseEvent.created_at)
    ):
        notes[event.case_id] = event.text or ""
    out = []
    for request in found:
        case = cases_by_id.get(request.case_id) if request.case_id else None
        media = ""
        if request.media_public:
            media = (
                f"{media_base}/media/{request.media_public_id}"
                if request.media_public_id
                else request.media_url or ""
            )
        out.append(
            {
                "service_request_id": str(request.id),
                "status": "closed" if case is not None and case.closed_at else "open",
                "status_notes": notes.get(case.id, "") if case is not None else "",
                "service_name": request.category.name,
                "service_code": request.category.service_code,
                "description": request.description,
                "agency_responsible": case.department if case is not None else "",
                "service_notice": "",
                "requested_datetime": _time(request.requested_at),
                "updated_datetime": _time(case.updated_at if case else request.requested_at),
                "expected_datetime": _time(case.deadline) if case and case.deadline else "",
                "address": request.address,
                "address_id": "",
                "zipcode": "",
                "lat": request.lat,
                "long": request.lon,
                "media_url": media,
            }
        )
    return out


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def reopen(
    db: Session, portal: Portal, municipality: Municipality, request: ServiceRequest, why: str
) -> ServiceRequest:
    """A closed report that is not fixed after all gets a new case in the same department
    (the closed one stays as it was, with its history)."""
    old = db.get(Case, request.case_id) if request.case_id else None
    if status_of(old) != "closed":
        raise Conflict("Only a closed report can be reopened; this one is still open.")
    if len(why) > MAX_DESCRIPTION:
        raise InvalidInput(f"description is longer than {MAX_DESCRIPTION} characters.")
    data: dict[str, Any] = {
        "service_code": request.category.service_code,
        "attributes": {},
        "description": why or "Erneut gemeldet: der Mangel besteht weiter.",
    }
    if request.lat is not None:
        data["lat"], data["long"] = request.lat, request.lon
    if request.address:
        data["address_string"] = request.address
    case = file_case(db, portal, municipality, REPORT_SERVICE, data).case
    case.department = request.category.department
    if old is not None:
        offered = adoption_by_id(db, old.adoption_id)
        workflow = Workflow.of(offered.template.workflow)
        cases.add_note(
            db,
            case,
            f"Wieder geöffnet; vorheriger Vorgang {old.id} war „{workflow.label(old.status)}“.",
            "open311",
        )
    request.case_id = case.id
    request.reopened += 1
    return request


def has_photo(request: ServiceRequest) -> bool:
    return bool(request.media_public_id or request.media_url)


def show_photo(db: Session, request: ServiceRequest, public: bool, actor: str) -> None:
    """A clerk's decision after looking at the photo (or the linked address): shown in the
    public Open311 view and the portal, or kept in the case only."""
    if not has_photo(request):
        raise Conflict("This report has no photo.")
    if request.media_public == public:
        return
    request.media_public = public
    record(
        db,
        actor=actor,
        action="open311.photo_shown" if public else "open311.photo_hidden",
        resource_type="case",
        resource_id=request.case_id or f"report:{request.id}",
    )


def released_photo(db: Session, public_id: str) -> StoredFile:
    """A report's photo a clerk has released: not every stored file whose id one knows, nor
    a photo nobody has looked at yet (staff see it in the case)."""
    return found_or_404(
        db.scalar(
            select(StoredFile)
            .join(ServiceRequest, ServiceRequest.media_public_id == StoredFile.public_id)
            .where(StoredFile.public_id == public_id, ServiceRequest.media_public.is_(True))
        ),
        "There is no such photo.",
    )
