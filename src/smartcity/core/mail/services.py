"""Queueing and delivering mail. A message is queued in the same transaction as what it
reports (a submission, a message from the clerk), so it is sent if and only if that committed;
the `core.mail` job and a flush after each such request deliver it, retrying with back-off.
Addresses and contents never reach the logs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.mail.models import OutgoingMail, OutgoingMailAttachment
from smartcity.core.mail.transport import transport_for
from smartcity.core.modules import Removal, Removed, RetentionJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 100
KEEP_SENT = timedelta(days=7)
DELIVERIES = Counter("smartcity_mail_deliveries_total", "Outgoing mail attempts", ["outcome"])


@dataclass(frozen=True)
class Attachment:
    file_name: str
    content_type: str  # "text/calendar; method=REQUEST" — the type and its parameters
    data: bytes


def queue_mail(
    db: Session, *, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
) -> OutgoingMail:
    mail = OutgoingMail(to_address=to, subject=subject, body=body)
    db.add(mail)
    if attachments:
        db.flush()
        for attachment in attachments:
            db.add(
                OutgoingMailAttachment(
                    mail_id=mail.id,
                    file_name=attachment.file_name,
                    content_type=attachment.content_type,
                    data=attachment.data,
                )
            )
    return mail


def _message(
    mail: OutgoingMail, sender: str, attachments: Sequence[OutgoingMailAttachment] = ()
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message.set_content(mail.body)
    for attachment in attachments:
        kind, _, parameters = attachment.content_type.partition(";")
        maintype, _, subtype = kind.strip().partition("/")
        params = dict(part.strip().split("=", 1) for part in parameters.split(";") if "=" in part)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.file_name,
            params=params,
        )
    return message


def deliver_pending(platform: Platform, now: datetime | None = None) -> int:
    """Send what is due; returns how many went out."""
    now = now or utcnow()
    transport = transport_for(platform.settings)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        due = db.scalars(
            select(OutgoingMail)
            .where(
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.attempts < MAX_ATTEMPTS,
                OutgoingMail.next_attempt_at <= now,
            )
            .order_by(OutgoingMail.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        sent = 0
        attached: dict[int, list[OutgoingMailAttachment]] = {}
        for attachment in db.scalars(
            select(OutgoingMailAttachment).where(
                OutgoingMailAttachment.mail_id.in_([mail.id for mail in due])
            )
        ):
            attached.setdefault(attachment.mail_id, []).append(attachment)
        for mail in due:
            try:
                transport.send(
                    _message(mail, platform.settings.mail_from, attached.get(mail.id, ()))
                )
            except (OSError, ValueError) as exc:
                mail.attempts += 1
                mail.next_attempt_at = now + timedelta(minutes=2**mail.attempts)
                mail.last_error = type(exc).__name__
                DELIVERIES.labels("failed").inc()
                log.warning(
                    "mail not delivered", extra={"mail_id": mail.id, "error": type(exc).__name__}
                )
                continue
            mail.sent_at = now
            mail.attempts += 1
            sent += 1
            DELIVERIES.labels("sent").inc()
        remove_sent(platform, db, now)
    return sent


SENT_LABEL = "sent mail: 7 days after sending"


def _sent_before(now: datetime) -> Any:
    return select(OutgoingMail.id).where(OutgoingMail.sent_at < now - KEEP_SENT)


def count_sent(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run of `remove_sent`: mails sent more than 7 days before `now`, and their
    attachments."""
    expired = _sent_before(now)
    mails = db.scalar(select(func.count()).select_from(expired.subquery())) or 0
    files = db.scalar(
        select(func.count())
        .select_from(OutgoingMailAttachment)
        .where(OutgoingMailAttachment.mail_id.in_(expired))
    )
    found = [Removal("outgoing_mail", SENT_LABEL, "delete", mails)] if mails else []
    if files:
        found.append(Removal("outgoing_mail_attachment", SENT_LABEL, "delete", files))
    return found


def remove_sent(platform: Platform, db: Session, now: datetime) -> Removed:
    """Delete mails sent more than 7 days before `now` (they hold personal data)."""
    expired = _sent_before(now)
    files = db.execute(
        delete(OutgoingMailAttachment).where(OutgoingMailAttachment.mail_id.in_(expired))
    )
    mails = db.execute(delete(OutgoingMail).where(OutgoingMail.sent_at < now - KEEP_SENT))
    removed = [
        Removal(table, SENT_LABEL, "delete", int(getattr(result, "rowcount", 0) or 0))
        for table, result in (("outgoing_mail", mails), ("outgoing_mail_attachment", files))
    ]
    return Removed([r for r in removed if r.rows])


def _run(platform: Platform) -> None:
    deliver_pending(platform)


MAIL = PeriodicJob("core.mail", 30, _run, at_start=True)
MAIL_RETENTION = RetentionJob("core.mail", count_sent, remove_sent, instance_wide=True)
