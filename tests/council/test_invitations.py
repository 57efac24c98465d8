"""Invitations: the council office sends a meeting's invitation to the members of the
organizations that meet; each gets an e-mail with the meeting as an iCalendar attachment (read
from the Maildir and parsed here); who was invited and when is recorded; a cancellation
updates the same calendar event."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from icalendar import Calendar
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.mail.services import deliver_pending
from smartcity.council import services
from smartcity.council.demo import Seeded
from smartcity.council.models import Meeting, Person
from smartcity.council.models_office import Invitation, PersonContact
from tests.citizen.conftest import mails
from tests.conftest import World
from tests.web.conftest import Browser


def _upcoming(council: Seeded) -> Meeting:
    now = utcnow()
    return next(m for m in council.meetings if m.start > now)


def _calendar_of(message: EmailMessage) -> Calendar:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_filename() == "einladung.ics"
    assert parts[0].get_param("method") == "PUBLISH"
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def test_the_office_sends_invitations_with_a_calendar_entry(
    world: World, council: Seeded, office: Browser
) -> None:
    meeting = _upcoming(council)
    with world.tenant(world.dresden) as db:
        members = {
            p.id
            for p in db.scalars(select(Person))
            if db.scalar(select(PersonContact).where(PersonContact.person_id == p.id))
        }
        # One member without an address: listed, not mailed.
        without = db.scalar(
            select(PersonContact).where(PersonContact.person_id == council.persons[0].id)
        )
        assert without is not None
        db.delete(without)
    page = office.get(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung")
    assert page.status_code == 200
    assert "keine – bitte auf anderem Weg einladen" in page.text
    assert "@" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]  # no addresses shown
    sent = office.submit(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung")
    assert sent.status_code == 303
    assert "gesendet=" in sent.headers["location"]
    deliver_pending(world.platform)
    delivered = [message_from_bytes(m.as_bytes(), policy=default) for m in mails(world)]
    invitations = [m for m in delivered if str(m["Subject"]).startswith("Einladung:")]
    assert invitations
    with world.tenant(world.dresden) as db:
        recorded = db.scalars(select(Invitation).where(Invitation.meeting_id == meeting.id)).all()
        assert len(recorded) == len(invitations)
        assert all(r.sent_by for r in recorded)
        assert council.persons[0].id not in {r.person_id for r in recorded}
        assert {r.person_id for r in recorded} <= members
        assert db.get(Meeting, meeting.id).meeting_state == "eingeladen"
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "council_meeting.invite")
            )
            == 1
        )
    message = invitations[0]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"/dresden/ratsinfo/sitzungen/{meeting.id}" in text
    assert "Tagesordnung" in text
    assert "Grundstücksangelegenheiten" not in text  # the non-public item is not named
    assert "Nicht öffentlicher Teil" in text
    event = _calendar_of(message).walk("VEVENT")[0]
    assert str(event["uid"]) == f"council-meeting-{meeting.id}@dresden"
    assert event.decoded("dtstart") == meeting.start
    assert str(event["summary"]) == meeting.name
    assert "Rathaus" in str(event["location"])
    assert int(str(event["sequence"])) == 1
    # The page lists what was sent.
    page = office.get(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung")
    assert "Noch nichts versandt" not in page.text

    # Cancelled: the cancellation updates the same event.
    with world.tenant(world.dresden) as db:
        services.change(db, db.get(Meeting, meeting.id), {"cancelled": True}, actor="test")
    assert (
        office.submit(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung").status_code
        == 303
    )
    deliver_pending(world.platform)
    cancellations = [
        message_from_bytes(m.as_bytes(), policy=default)
        for m in mails(world)
        if str(m["Subject"]).startswith("Absage:")
    ]
    assert len(cancellations) == len(invitations)
    cancelled = _calendar_of(cancellations[0]).walk("VEVENT")[0]
    assert str(cancelled["uid"]) == str(event["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(str(cancelled["sequence"])) == 2


def test_invitations_are_refused_clearly(
    world: World, council: Seeded, office: Browser, councillor: Browser
) -> None:
    past = council.meetings[0]
    refused = office.submit(f"/dresden/verwaltung/ratsinfo/sitzungen/{past.id}/einladung")
    assert refused.status_code == 422
    assert "vorbei" in refused.text
    meeting = _upcoming(council)
    # Councillors read but do not send.
    assert (
        councillor.submit(
            f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung"
        ).status_code
        == 403
    )
    with world.tenant(world.dresden) as db:
        for row in db.scalars(select(PersonContact)):
            db.delete(row)
    refused = office.submit(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/einladung")
    assert refused.status_code == 422
    assert "E-Mail-Adresse" in refused.text
    assert office.get("/dresden/verwaltung/ratsinfo/sitzungen/999999/einladung").status_code == 404
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Invitation)) == 0
