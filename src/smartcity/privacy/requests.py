"""The register of data-subject requests: received (from staff, or from the portal by a
signed-in citizen or after an e-mail confirmation), the one-month deadline (Art. 12 (3)
GDPR) with a reminder a week before and one extension by two months with its reason, the
identity check, and carrying the request out from the declarations."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.identity.models import RoleAssignment, UserAccount
from smartcity.core.identity.tokens import digest, new_token
from smartcity.core.mail.services import queue_mail
from smartcity.core.modules import ERASE_KEEP
from smartcity.core.tenancy.models import Municipality
from smartcity.privacy import holds
from smartcity.privacy.access import archive
from smartcity.privacy.declarations import RECTIFIABLE, Declared
from smartcity.privacy.erasure import erase, rectify, rectify_found
from smartcity.privacy.models import SubjectRequest
from smartcity.privacy.permissions import DATA_PROTECTION_OFFICER
from smartcity.privacy.search import Found, find

KINDS = ("access", "erasure", "restriction", "rectification")
# E-mail addresses and names are corrected wherever a declaration finds people by them; the
# other kinds in the person's rows, in the columns a declaration says are rectifiable.
CORRECTABLE = ("email", "name", *RECTIFIABLE)
REMIND_BEFORE = timedelta(days=7)
RESTRICTED = "Art. 18 GDPR: processing restricted at the person's request"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day if it has none (31 Jan → 28 Feb):
    how a deadline "of one month" is counted (§ 188 (2), (3) BGB)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class NewRequest:
    kind: str
    email: str | None = None
    name: str | None = None
    citizen_subject: str | None = None
    tracking_codes: list[str] = field(default_factory=list)
    details: str = ""
    # Rectification: {"kind": "email" | "name", "old": ..., "new": ...}
    correction: dict[str, str] | None = None


def _checked(new: NewRequest) -> None:
    if new.kind not in KINDS:
        raise InvalidInput(f"The kind of request is one of {', '.join(KINDS)}.")
    if not (new.email or new.name or new.citizen_subject or new.tracking_codes):
        raise InvalidInput("A request needs an e-mail address, a name or a tracking code.")
    if new.kind == "rectification":
        correction = new.correction or {}
        if correction.get("kind") not in CORRECTABLE or not all(
            str(correction.get(k, "")).strip() for k in ("old", "new")
        ):
            raise InvalidInput(
                "A rectification names what is wrong (one of "
                f"{', '.join(CORRECTABLE)}) and what is right."
            )


def open_request(
    db: Session,
    new: NewRequest,
    *,
    source: str,
    actor: str,
    now: datetime | None = None,
    identity_check: str | None = None,
) -> SubjectRequest:
    """A request that counts from when it was received: entered by staff, or from a
    signed-in citizen (whose login is the identity check)."""
    _checked(new)
    now = now or utcnow()
    request = _new(new, source, status="open", received_at=now)
    request.due_at = add_months(now, 1)
    if identity_check:
        request.identity_check = identity_check
        request.identity_checked_by = source
    db.add(request)
    db.flush()
    _audit(db, request, actor, "privacy.request.open", {"kind": new.kind, "source": source})
    return request


def request_by_mail(
    db: Session, municipality: Municipality, new: NewRequest, confirm_url: str
) -> SubjectRequest:
    """A request from the portal without a login: it counts once the link mailed to its
    address has been followed (so nobody asks about someone else's data)."""
    _checked(new)
    if not new.email:
        raise InvalidInput("Without the citizen account, we need your e-mail address.")
    token = new_token()
    now = utcnow()
    request = _new(new, "portal", status="unconfirmed", received_at=now)
    request.due_at = add_months(now, 1)
    request.confirm_token_hash = digest(token)
    db.add(request)
    db.flush()
    queue_mail(
        db,
        to=new.email,
        subject=f"{municipality.name}: Bitte bestätigen Sie Ihre Datenschutz-Anfrage",
        body=(
            "Guten Tag,\n\nSie haben eine Anfrage zu Ihren personenbezogenen Daten gestellt. "
            "Bitte bestätigen Sie sie mit diesem Link:\n\n"
            f"{confirm_url.format(token=token)}\n\n"
            "Wenn Sie keine Anfrage gestellt haben, können Sie diese Nachricht ignorieren.\n"
        ),
    )
    _audit(db, request, "anonymous", "privacy.request.received", {"kind": new.kind})
    return request


def confirm(db: Session, token: str, now: datetime | None = None) -> SubjectRequest:
    now = now or utcnow()
    request = db.scalar(
        select(SubjectRequest).where(SubjectRequest.confirm_token_hash == digest(token))
    )
    if request is None:
        raise NotFound("This confirmation link is not valid (any more).")
    request.status = "open"
    request.confirm_token_hash = None
    request.confirmed_at = now
    request.identity_check = "E-Mail-Adresse durch Bestätigungslink nachgewiesen"
    request.identity_checked_by = "portal"
    request.due_at = add_months(now, 1)
    _audit(db, request, "anonymous", "privacy.request.confirm", {})
    return request


def _new(new: NewRequest, source: str, *, status: str, received_at: datetime) -> SubjectRequest:
    return SubjectRequest(
        kind=new.kind,
        status=status,
        source=source,
        email=(new.email or "").strip() or None,
        name=(new.name or "").strip() or None,
        citizen_subject=new.citizen_subject,
        tracking_codes=[c.strip() for c in new.tracking_codes if c.strip()],
        details=new.details.strip()[:5000],
        correction=new.correction,
        received_at=received_at,
    )


def _audit(
    db: Session, request: SubjectRequest, actor: str, action: str, changes: dict[str, Any]
) -> None:
    record(
        db,
        actor=actor,
        action=action,
        resource_type="privacy_request",
        resource_id=request.id,
        changes=changes,
    )


def get(db: Session, request_id: int) -> SubjectRequest:
    request = db.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.")
    return request


def listing(db: Session) -> list[SubjectRequest]:
    return list(
        db.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.status != "unconfirmed")
            .order_by(SubjectRequest.status, SubjectRequest.due_at)
        )
    )


def note_identity(db: Session, request: SubjectRequest, how: str, actor: str) -> None:
    if not how.strip():
        raise InvalidInput("Say how the identity was checked.")
    request.identity_check = how.strip()[:1000]
    request.identity_checked_by = actor
    _audit(db, request, actor, "privacy.request.identity", {})


def extend(db: Session, request: SubjectRequest, reason: str, actor: str) -> None:
    """Art. 12 (3) GDPR: two further months where the request is complex or there are many;
    once, with the reason (which the person must be told within the first month)."""
    if request.extension_reason:
        raise Conflict("The deadline has been extended already.")
    if not reason.strip():
        raise InvalidInput("An extension needs its reason.")
    request.extension_reason = reason.strip()[:1000]
    request.due_at = add_months(request.due_at, 2)
    request.reminded_at = None
    _audit(db, request, actor, "privacy.request.extend", {"due_at": request.due_at.isoformat()})


def identifiers(request: SubjectRequest) -> dict[str, list[str]]:
    # The codes a person has: tracking codes of applications and readings, ticket codes.
    codes = list(request.tracking_codes)
    given: dict[str, list[str]] = {"tracking_code": codes, "ticket_code": codes}
    if request.email:
        given["email"] = [request.email]
    if request.name:
        given["name"] = [request.name]
    if request.citizen_subject:
        given["citizen_subject"] = [request.citizen_subject]
    return given


def search(db: Session, declarations: Sequence[Declared], request: SubjectRequest) -> Found:
    return find(db, declarations, identifiers(request))


@dataclass
class Done:
    """What carrying out a request produced: the access archive, or the files to delete
    after the commit."""

    archive: bytes | None = None
    files: list[Path] = field(default_factory=list)


def carry_out(
    db: Session,
    declarations: Sequence[Declared],
    request: SubjectRequest,
    municipality: Municipality,
    data_dir: Path,
    actor: str,
    now: datetime | None = None,
) -> Done:
    if request.status != "open" and not (request.kind == "access" and request.status == "done"):
        raise Conflict("Only an open request can be carried out.")
    if not request.identity_check:
        raise Conflict("Note how the requester's identity was checked first.")
    found = search(db, declarations, request)
    done = Done()
    outcome: dict[str, Any] = {"rows": found.counts()}
    if request.kind == "access":
        done.archive = archive(found, municipality, data_dir)
    elif request.kind == "erasure":
        erased = erase(db, data_dir, found, actor=actor, reference=request.id)
        done.files = erased.files
        outcome = {
            "rows": erased.summary(),
            "kept": sorted(
                {(o.table, o.reason) for o in erased.outcomes if o.action == ERASE_KEEP}
            ),
        }
    elif request.kind == "restriction":
        outcome = {"restricted": _restrict(db, found, request, actor)}
    else:
        correction = request.correction or {}
        kind, old, new = correction["kind"], correction["old"], correction["new"]
        if kind in ("email", "name"):
            rows = rectify(db, declarations, kind, old, new, actor=actor, reference=request.id)
        else:
            rows = rectify_found(db, found, kind, old, new, actor=actor, reference=request.id)
        outcome = {"rows": rows}
    request.outcome = outcome
    if request.status != "done":
        request.status = "done"
        request.closed_at = now or utcnow()
        request.closed_by = actor
    _audit(db, request, actor, f"privacy.request.{request.kind}", {"tables": sorted(found.rows)})
    return done


def _restrict(db: Session, found: Found, request: SubjectRequest, actor: str) -> dict[str, int]:
    """Hold every found row that retention could remove (Art. 18 (1) c: the person needs
    them for a legal claim); the holds end when the request's restriction is lifted."""
    restricted: dict[str, int] = {}
    for index, item in enumerate(found.declarations):
        if item.data.erasure == ERASE_KEEP:
            continue
        for key in sorted(found.keys(index)):
            holds.place(
                db,
                found.declarations,
                table=item.table,
                row_id=str(key),
                reason=RESTRICTED,
                until=None,
                actor=actor,
                request_id=request.id,
            )
            restricted[item.table] = restricted.get(item.table, 0) + 1
    return restricted


def remind(db: Session, municipality: Municipality, now: datetime | None = None) -> int:
    """Mail the municipality's data-protection officers about requests due within a week
    (once per deadline); the number of requests reminded of."""
    now = now or utcnow()
    due = list(
        db.scalars(
            select(SubjectRequest).where(
                SubjectRequest.status == "open",
                SubjectRequest.reminded_at.is_(None),
                SubjectRequest.due_at <= now + REMIND_BEFORE,
            )
        )
    )
    if not due:
        return 0
    officers = db.scalars(
        select(UserAccount.email)
        .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
        .where(
            RoleAssignment.role == DATA_PROTECTION_OFFICER,
            RoleAssignment.municipality_id == municipality.id,
            UserAccount.is_active.is_(True),
            UserAccount.email.is_not(None),
        )
    ).all()
    lines = "\n".join(
        f"- Anfrage Nr. {r.id} ({r.kind}), fällig am {r.due_at:%d.%m.%Y}" for r in due
    )
    for address in sorted({a for a in officers if a}):
        queue_mail(
            db,
            to=address,
            subject=f"{municipality.name}: Fristen von Datenschutz-Anfragen laufen ab",
            body=f"Diese Anfragen sind innerhalb einer Woche zu beantworten:\n\n{lines}\n",
        )
    for request in due:
        request.reminded_at = now
    return len(due)
