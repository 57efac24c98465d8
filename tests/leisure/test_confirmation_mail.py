"""The confirmation e-mail carries the tickets as PDF and the visit as an iCalendar file; a
multi-use ticket (no single date) the PDF alone."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from smartcity.core.mail.models import OutgoingMail, OutgoingMailAttachment
from smartcity.leisure import facilities
from smartcity.leisure.models import Facility
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool
from tests.web.conftest import Browser


def _mail(world: World) -> tuple[OutgoingMail, list[OutgoingMailAttachment]]:
    with world.system() as db:
        [mail] = db.scalars(select(OutgoingMail)).all()
        attached = list(
            db.scalars(
                select(OutgoingMailAttachment)
                .where(OutgoingMailAttachment.mail_id == mail.id)
                .order_by(OutgoingMailAttachment.id)
            )
        )
        db.expunge_all()
        return mail, attached


def test_a_booking_sends_pdf_and_calendar(
    world: World, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    citizen = Browser(new_client())
    held = citizen.submit(
        f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}",
        {f"anzahl-{pool.products['adult']}": "2"},
    )
    assert held.status_code == 303, held.text
    booked = citizen.submit(held.headers["location"], {"email": "anhang@example.org"})
    assert booked.status_code == 303, booked.text
    mail, attached = _mail(world)
    assert mail.to_address == "anhang@example.org"
    assert "Im Anhang: die Tickets (PDF) und der Termin für Ihren Kalender." in mail.body
    assert booked.headers["location"] in mail.body
    pdf, calendar = attached
    assert (pdf.file_name, pdf.content_type) == ("tickets-hallenbad.pdf", "application/pdf")
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    assert len(pages) == 2
    assert "Hallenbad Mitte" in pages[0].extract_text()
    assert calendar.file_name == "hallenbad.ics"
    assert calendar.content_type.startswith("text/calendar")
    assert b"SUMMARY:Hallenbad Mitte: Schwimmhalle" in calendar.data
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date()
    assert f"DTSTART:{tomorrow:%Y%m%d}T".encode() in calendar.data


def test_a_card_sends_the_pdf_alone(
    world: World, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        card = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("10er-Karte", "punch_card", 4500, 1, 700, False, entries=10),
            "test",
        ).id
    citizen = Browser(new_client())
    bought = citizen.submit(
        f"/dresden/freizeit/hallenbad/karten/{card}",
        {"first_day": "", "email": "karte@example.org"},
    )
    assert bought.status_code == 303, bought.text
    mail, attached = _mail(world)
    assert "Im Anhang: die Tickets (PDF)." in mail.body
    [pdf] = attached
    assert pdf.content_type == "application/pdf"
    assert "10er-Karte" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
