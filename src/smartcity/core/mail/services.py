"""Queueing and delivering mail. A message is queued in the same transaction as what it
reports (a submission, a message from the clerk), so it is sent if and only if that committed;
the `core.mail` job and a flush after each such request deliver it, retrying with back-off.
Addresses and contents never reach the logs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from prometheus_client import Counter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.mail.transport import transport_for
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 100
KEEP_SENT = timedelta(days=7)
DELIVERIES = Counter("smartcity_mail_deliveries_total", "Outgoing mail attempts", ["outcome"])


def queue_mail(db: Session, *, to: str, subject: str, body: str) -> OutgoingMail:
    mail = OutgoingMail(to_address=to, subject=subject, body=body)
    db.add(mail)
    return mail


def _message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message.set_content(mail.body)
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
        for mail in due:
            try:
                transport.send(_message(mail, platform.settings.mail_from))
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
        db.execute(delete(OutgoingMail).where(OutgoingMail.sent_at < now - KEEP_SENT))
    return sent


def _run(platform: Platform) -> None:
    deliver_pending(platform)


MAIL = PeriodicJob("core.mail", 30, _run, at_start=True)
