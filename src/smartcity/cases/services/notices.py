"""Telling the applicant by e-mail that the office wrote (a message or the decision) or
closed the case."""

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
    what: Literal["message", "decision", "closed"],
) -> None:
    """Mail the applicant a link to the status page (they gave an address)."""
    assert application.contact_email is not None
    code = application.tracking_code
    status = f"{portal.base(municipality)}/status/{code}"
    if application.language == "en":
        service = application.service_name("en")
        subject = f"News on your case {code}"
        news = {
            "decision": f"{municipality.name} has issued a decision on “{service}”.",
            "message": f"{municipality.name} has sent you a message about “{service}”.",
            "closed": f"{municipality.name} has dealt with “{service}” and closed the case. "
            "Thank you!",
        }[what]
        body = f"Hello,\n\n{news}\n\nTracking code: {code}\nDetails: {status}\n"
    else:
        service = application.service_name("de")
        subject = f"Neuigkeiten zu Ihrem Vorgang {code}"
        news = {
            "decision": f"{municipality.name} hat zu „{service}“ einen Bescheid erlassen.",
            "message": f"{municipality.name} hat Ihnen zu „{service}“ eine Nachricht geschickt.",
            "closed": f"{municipality.name} hat Ihr Anliegen „{service}“ erledigt und den "
            "Vorgang abgeschlossen. Vielen Dank!",
        }[what]
        body = f"Guten Tag,\n\n{news}\n\nVorgangsnummer: {code}\nEinzelheiten: {status}\n"
    queue_mail(db, to=application.contact_email, subject=subject, body=body)
