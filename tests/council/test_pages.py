"""The council's pages: citizens read the calendar, meetings with their public agenda, papers
with files and consultations, organizations and persons (German and English, iCalendar);
councillors read the non-public items in the back office; the council office keeps the
records (audited, CSRF, checked uploads); everyone else is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.council.demo import Seeded, pdf
from smartcity.council.models import AgendaItem, CouncilFile, Meeting, Membership, Paper
from smartcity.council.permissions import COUNCIL_OFFICE
from tests.conftest import World
from tests.council.conftest import add_staff, fetch
from tests.web.conftest import Browser

SECRET_ITEM = "Grundstücksangelegenheiten"


def test_citizens_read_the_calendar_meetings_and_papers(
    client: TestClient, council: Seeded
) -> None:
    page = client.get("/dresden/ratsinfo")
    assert page.status_code == 200
    assert "Kommende Sitzungen" in page.text
    assert "Vergangene Sitzungen" in page.text
    for meeting in council.meetings:
        assert f"/dresden/ratsinfo/sitzungen/{meeting.id}" in page.text
    meeting = council.meetings[0]
    page = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}")
    assert page.status_code == 200
    assert "Tagesordnung" in page.text
    assert "Eröffnung" in page.text
    assert "Einladung" in page.text
    assert "/oparl/v1.1/file/" in page.text
    assert SECRET_ITEM not in page.text
    secret = next(p for p in council.papers if not p.public)
    assert secret.name not in page.text or "(2. Lesung)" in page.text
    public = council.papers[0]
    page = client.get(f"/dresden/ratsinfo/vorlagen/{public.id}")
    assert page.status_code == 200
    assert public.reference in page.text
    assert "Beratungsfolge" in page.text
    assert "Hauptdokument" in page.text
    assert client.get(f"/dresden/ratsinfo/vorlagen/{secret.id}").status_code == 404
    papers = client.get("/dresden/ratsinfo/vorlagen").text
    assert public.reference in papers
    assert secret.reference not in papers
    organizations = client.get("/dresden/ratsinfo/gremien").text
    assert "Stadtrat" in organizations
    assert "Fraktion Mitte" in organizations
    committee = client.get(f"/dresden/ratsinfo/gremien/{council.council.id}").text
    assert council.persons[0].name in committee
    person = client.get(f"/dresden/ratsinfo/personen/{council.persons[0].id}").text
    assert "Stadtrat" in person
    assert "Vorsitzende" in person
    english = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}?lang=en").text
    assert "Agenda" in english
    assert "Invitation" in english
    assert client.get(f"/radebeul/ratsinfo/sitzungen/{meeting.id}").status_code == 404
    assert client.get("/dresden/ratsinfo/sitzungen/0").status_code in (404, 422)


def test_the_meetings_as_icalendar(client: TestClient, council: Seeded) -> None:
    response = client.get("/dresden/ratsinfo/sitzungen.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == len(council.meetings)
    assert all("ratsinfo/sitzungen/" in str(e["url"]) for e in events)


def test_councillors_read_the_non_public_items_in_the_back_office(
    councillor: Browser, council: Seeded, client: TestClient
) -> None:
    meeting = council.meetings[0]
    page = councillor.get(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht")
    assert page.status_code == 200
    assert SECRET_ITEM in page.text
    assert "nicht öffentlich" in page.text
    secret = next(p for p in council.papers if not p.public)
    page = councillor.get(f"/dresden/verwaltung/ratsinfo/vorlagen/{secret.id}/ansicht")
    assert page.status_code == 200
    assert secret.reference in page.text
    link = page.text.split("/dresden/verwaltung/ratsinfo/dateien/")[1].split('"')[0]
    document = councillor.get(f"/dresden/verwaltung/ratsinfo/dateien/{link}")
    assert document.status_code == 200
    assert document.content.startswith(b"%PDF")
    # Reading is all: the editor is the council office's.
    assert councillor.get("/dresden/verwaltung/ratsinfo/sitzungen/neu").status_code == 403
    refused = councillor.submit("/dresden/verwaltung/ratsinfo/sitzungen/neu", {"name": "X"})
    assert refused.status_code == 403
    # Anonymous and other staff see nothing of it.
    anonymous = client.get(f"/dresden/verwaltung/ratsinfo/dateien/{link}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert "/anmelden" in anonymous.headers["location"]


def test_other_staff_and_other_municipalities_are_refused(
    world: World, council: Seeded, new_client: object
) -> None:
    add_staff(world, "rb.council", COUNCIL_OFFICE, world.radebeul)
    press = Browser(new_client())  # type: ignore[operator]
    assert press.login("dd.press").status_code == 303
    assert press.get("/dresden/verwaltung/ratsinfo").status_code == 403
    other = Browser(new_client())  # type: ignore[operator]
    assert other.login("rb.council").status_code == 303
    meeting = council.meetings[0]
    assert other.get("/dresden/verwaltung/ratsinfo").status_code == 403
    assert (
        other.get(f"/radebeul/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht").status_code
        == 404
    )
    response = other.submit(f"/radebeul/verwaltung/ratsinfo/sitzungen/{meeting.id}/loeschen")
    assert response.status_code == 404


def test_the_council_office_keeps_the_records(
    office: Browser, council: Seeded, world: World, client: TestClient
) -> None:
    base = "/dresden/verwaltung/ratsinfo"
    assert office.get(base).status_code == 200
    assert office.get(f"{base}/sitzungen/neu").status_code == 200
    # A meeting with a wrong date is refused with the field named.
    bad = office.submit(f"{base}/sitzungen/neu", {"name": "Sondersitzung", "start": "morgen"})
    assert bad.status_code == 422
    assert "Datum und Uhrzeit" in bad.text
    created = office.submit(
        f"{base}/sitzungen/neu",
        [
            ("name", "Sondersitzung Stadtrat"),
            ("start", "2030-03-01T17:00"),
            ("end", "2030-03-01T19:00"),
            ("meeting_state", "eingeladen"),
            ("organizations", str(council.council.id)),
        ],
    )
    assert created.status_code == 303, created.text
    meeting_id = int(created.headers["location"].split("/sitzungen/")[1].split("/")[0])
    item = office.submit(
        f"{base}/tops/neu",
        {
            "meeting_id": str(meeting_id),
            "number": "1.",
            "order": "1",
            "name": "Haushalt 2031",
            "public": "1",
        },
    )
    assert item.status_code == 303, item.text
    secret = office.submit(
        f"{base}/tops/neu",
        {
            "meeting_id": str(meeting_id),
            "number": "2.",
            "order": "2",
            "name": "Personalsache Vertraulich",
        },
    )
    assert secret.status_code == 303
    upload = office.submit(
        f"{base}/sitzungen/{meeting_id}/dateien",
        {"name": "Einladung Sondersitzung", "role": "invitation", "public": "1"},
        files={"file": ("einladung.pdf", pdf("Einladung", ["Test"]), "application/pdf")},
    )
    assert upload.status_code == 303, upload.text
    disguised = office.submit(
        f"{base}/sitzungen/{meeting_id}/dateien",
        {"name": "Falsch", "role": "auxiliaryFile", "public": "1"},
        files={"file": ("bild.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "application/pdf")},
    )
    assert disguised.status_code == 415
    no_csrf = office.client.post(
        f"{base}/sitzungen/{meeting_id}/loeschen", data={}, follow_redirects=False
    )
    assert no_csrf.status_code == 403
    # The citizens' view and OParl show the meeting with its public item and file only.
    page = client.get(f"/dresden/ratsinfo/sitzungen/{meeting_id}").text
    assert "Haushalt 2031" in page
    assert "Einladung Sondersitzung" in page
    assert "Personalsache" not in page
    document = fetch(client, f"/dresden/oparl/v1.1/meeting/{meeting_id}")
    assert [i["name"] for i in document["agendaItem"]] == ["Haushalt 2031"]
    assert document["invitation"]["name"] == "Einladung Sondersitzung"
    assert document["organization"][0].endswith(f"/organization/{council.council.id}")
    # Persons, organizations and memberships.
    person = office.submit(
        f"{base}/personen/neu",
        {"name": "Erika Muster", "given_name": "Erika", "family_name": "Muster"},
    )
    assert person.status_code == 303
    organization = office.submit(
        f"{base}/gremien/neu", {"name": "Beirat für Senioren", "organization_type": "Gremium"}
    )
    assert organization.status_code == 303
    with world.tenant(world.dresden) as db:
        from smartcity.council.models import Organization, Person

        person_id = db.scalar(select(Person.id).where(Person.name == "Erika Muster"))
        organization_id = db.scalar(
            select(Organization.id).where(Organization.name == "Beirat für Senioren")
        )
    membership = office.submit(
        f"{base}/mitgliedschaften/neu",
        {
            "person_id": str(person_id),
            "organization_id": str(organization_id),
            "role": "Mitglied",
            "voting_right": "1",
        },
    )
    assert membership.status_code == 303
    unknown = office.submit(
        f"{base}/mitgliedschaften/neu",
        {"person_id": "999999", "organization_id": str(organization_id)},
    )
    assert unknown.status_code == 422
    # A paper, edited to non-public: it leaves the portal.
    paper = office.submit(
        f"{base}/vorlagen/neu",
        {
            "name": "Antrag Sitzbänke",
            "reference": "DS/2030/001",
            "paper_type": "Antrag",
            "public": "1",
        },
    )
    assert paper.status_code == 303
    paper_id = int(paper.headers["location"].split("/vorlagen/")[1].split("/")[0])
    assert client.get(f"/dresden/ratsinfo/vorlagen/{paper_id}").status_code == 200
    edited = office.submit(
        f"{base}/vorlagen/{paper_id}",
        {"name": "Antrag Sitzbänke", "reference": "DS/2030/001", "paper_type": "Antrag"},
    )
    assert edited.status_code == 303
    assert client.get(f"/dresden/ratsinfo/vorlagen/{paper_id}").status_code == 404
    # Deleting the meeting keeps a tombstone; everything was audited.
    assert office.submit(f"{base}/sitzungen/{meeting_id}/loeschen").status_code == 303
    assert fetch(client, f"/dresden/oparl/v1.1/meeting/{meeting_id}")["deleted"] is True
    assert client.get(f"/dresden/ratsinfo/sitzungen/{meeting_id}").status_code == 404
    with world.tenant(world.dresden) as db:
        actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.actor.like("user:%"))))
        assert db.get(Meeting, meeting_id).deleted
        files = db.scalars(select(CouncilFile).where(CouncilFile.meeting_id == meeting_id)).all()
        assert files
        assert all(f.deleted and f.stored_file_id is None for f in files)
        assert db.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).all()
        assert db.scalar(select(Membership.id).where(Membership.person_id == person_id))
        assert db.get(Paper, paper_id).was_public
    assert {
        "council_meeting.create",
        "council_agenda_item.create",
        "council_file.create",
        "council_person.create",
        "council_organization.create",
        "council_membership.create",
        "council_paper.create",
        "council_paper.update",
        "council_meeting.delete",
    } <= actions


def test_the_back_office_shows_the_council_to_councillors_only_for_reading(
    councillor: Browser, office: Browser, council: Seeded
) -> None:
    for browser in (councillor, office):
        overview = browser.get("/dresden/verwaltung/")
        assert '/dresden/verwaltung/ratsinfo"' in overview.text
    reading = councillor.get("/dresden/verwaltung/ratsinfo").text
    assert "Neue Sitzung" not in reading
    assert "Neue Sitzung" in office.get("/dresden/verwaltung/ratsinfo").text
