"""Telling the applicant by e-mail that the office wrote (a message or the decision)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from smartcity.cases.interfaces import Application
from smartcity.core.mail.services import queue_mail
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality


def notify(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    application: Application,
    what: Literal["message", "decision"],
) -> None:
    """Mail the applicant a link to the status page (they gave an address)."""
    assert application.contact_email is not None
    code = application.tracking_code
    status = f"{portal.base(municipality)}/status/{code}"
    if application.language == "en":
        subject = f"News on your application {code}"
        noun = "a decision" if what == "decision" else "a message"
        body = (
            f"Hello,\n\n{municipality.name} has sent {noun} about your application.\n\n{status}\n"
        )
    else:
        subject = f"Neuigkeiten zu Ihrem Antrag {code}"
        noun = "einen Bescheid" if what == "decision" else "eine Nachricht"
        body = (
            f"Guten Tag,\n\n{municipality.name} hat Ihnen {noun} zu Ihrem Antrag geschickt.\n\n"
            f"{status}\n"
        )
    queue_mail(db, to=application.contact_email, subject=subject, body=body)
