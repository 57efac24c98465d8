"""The council office's forms change only what the office changed: saving the stream form with a
new recording start keeps the agenda items' start and end times (recorded by the digital
session or entered before), a time outside the recording survives a save although its field is
shown empty, and a refused contact form leaves the address and the consent as they were."""

from __future__ import annotations

from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smartcity.council import invitations, media
from smartcity.council.demo import Seeded
from smartcity.council.editor import local_input
from smartcity.council.models import AgendaItem
from smartcity.council.models_office import PersonContact
from smartcity.privacy import records
from tests.conftest import World
from tests.web.conftest import Browser

ZONE = ZoneInfo("Europe/Berlin")


class _Form(HTMLParser):
    """The fields of a page's posted form as a browser sends them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("method") == "post":
            self.inside = True
        elif tag == "input" and self.inside and found.get("name") not in (None, "csrf_token"):
            self.fields[str(found["name"])] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _shown(office: Browser, path: str) -> dict[str, str]:
    page = office.get(path)
    assert page.status_code == 200
    parser = _Form()
    parser.feed(page.text)
    return parser.fields


Times = dict[int, tuple[datetime | None, datetime | None]]


def _times(world: World, ids: list[int]) -> Times:
    with world.tenant(world.dresden) as db:
        found: Times = {}
        for item_id in ids:
            item = db.get(AgendaItem, item_id)
            assert item is not None
            found[item_id] = (item.start, item.end)
        return found


def test_saving_the_stream_form_keeps_the_items_times(
    world: World, council: Seeded, office: Browser
) -> None:
    meeting = council.meetings[1]
    began = meeting.start + timedelta(minutes=2)  # the recording began 2 minutes late
    with world.tenant(world.dresden) as db:
        items = db.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False))
            .order_by(AgendaItem.order, AgendaItem.id)
        ).all()
        assert len(items) >= 3
        first, second, early = items[0], items[1], items[2]
        # As the digital session recorded them: the third item was called up 2 minutes
        # before the recording began.
        first.start, first.end = began + timedelta(minutes=5), began + timedelta(minutes=20)
        second.start, second.end = began + timedelta(minutes=30), began + timedelta(hours=2)
        early.start, early.end = began - timedelta(minutes=2), began + timedelta(minutes=4)
        for other in items[3:]:
            other.start = other.end = None
        media.save(
            db,
            meeting,
            stream_url="",
            recording_url="https://stream.stadt.example/archiv/rat.mp4",
            recording_started_at=began,
            actor="test",
        )
        ids = [i.id for i in items]
    path = f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/uebertragung"
    before = _times(world, ids)

    # The form shows the chapters; the early item's field is empty (not in the recording).
    form = _shown(office, path)
    assert form[f"top-{first.id}"] == "0:05:00"
    assert form[f"top-{second.id}"] == "0:30:00"
    assert form[f"top-{early.id}"] == ""
    called = (began - timedelta(minutes=2)).astimezone(ZONE).strftime("%d.%m.%Y %H:%M:%S")
    assert f"Aufgerufen am {called}, außerhalb der Aufzeichnung" in office.get(path).text
    # Saved as shown: nothing changes, the early item keeps its times.
    assert office.submit(path, form).status_code == 303
    assert _times(world, ids) == before

    # Only the recording's start changes: no item moves (in OParl and on the portal the
    # items keep their times; their chapters are now later in the recording).
    form = _shown(office, path)
    form["recording_started_at"] = local_input(began - timedelta(minutes=10), ZONE)
    assert office.submit(path, form).status_code == 303
    assert _times(world, ids) == before
    form = _shown(office, path)
    assert form[f"top-{first.id}"] == "0:15:00"
    assert form[f"top-{early.id}"] == "0:08:00"

    # Editing one chapter changes only that item, counted from the recording's start.
    form[f"top-{second.id}"] = "0:50:00"
    assert office.submit(path, form).status_code == 303
    after = _times(world, ids)
    assert after[second.id] == (began + timedelta(minutes=40), before[second.id][1])
    assert {k: v for k, v in after.items() if k != second.id} == {
        k: v for k, v in before.items() if k != second.id
    }

    # A refused form (bad chapter) changes nothing; saved again as shown, still nothing.
    form = _shown(office, path)
    refused = office.submit(
        path, {**form, "recording_started_at": local_input(began, ZONE), f"top-{first.id}": "x"}
    )
    assert refused.status_code == 422
    assert _times(world, ids) == after
    assert office.submit(path, form).status_code == 303
    assert _times(world, ids) == after

    # Emptying a field on purpose still removes that item's chapter.
    form[f"top-{first.id}"] = ""
    assert office.submit(path, form).status_code == 303
    assert _times(world, ids)[first.id] == (None, None)
    assert _times(world, ids)[early.id] == before[early.id]


def test_a_refused_contact_form_changes_nothing(
    world: World, council: Seeded, office: Browser
) -> None:
    person = council.persons[3]  # has an address and has consented (demo)
    with world.tenant(world.dresden) as db:
        address = db.scalar(select(PersonContact.email).where(PersonContact.person_id == person.id))
        assert address
        assert records.consented(db, media.STREAM_PURPOSE, address)
    contact = f"/dresden/verwaltung/ratsinfo/personen/{person.id}/kontakt"

    # Address removed, consent box still ticked: refused, and nothing is changed.
    refused = office.submit(contact, {"email": "", "consent": "1"})
    assert refused.status_code == 422
    assert "E-Mail-Adresse" in refused.text
    with world.tenant(world.dresden) as db:
        found = db.scalar(select(PersonContact).where(PersonContact.person_id == person.id))
        assert found is not None
        assert found.email == address
        assert records.consented(db, media.STREAM_PURPOSE, address)
        assert media.consents(db, [person])[person.id]
    assert f'value="{address}"' in office.get(contact).text

    # A bad address with the box unticked: refused, the consent is not withdrawn.
    assert office.submit(contact, {"email": "not an address"}).status_code == 422
    with world.tenant(world.dresden) as db:
        assert records.consented(db, media.STREAM_PURPOSE, address)
        assert media.consents(db, [person])[person.id]

    # Address removed and box unticked: the withdrawal is recorded under the old address.
    assert office.submit(contact, {"email": ""}).status_code == 303
    with world.tenant(world.dresden) as db:
        assert invitations.contact_of(db, person.id) == ""
        assert not records.consented(db, media.STREAM_PURPOSE, address)
