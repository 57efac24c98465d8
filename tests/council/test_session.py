"""The digital session as its users meet it: the council office runs it for the chair (open,
call items, attendance, speakers' list, ballots), councillors check in and vote from their own
devices, everybody follows the live page and the stream overlay, and OParl carries the votes.
Refusals: non-members, members without voting right, a biased member, votes outside an open
ballot, a second vote, other roles, other municipalities, forms without CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.identity import users
from smartcity.core.identity.models import UserAccount
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Region
from smartcity.council import services as council_services
from smartcity.council.demo import Seeded, seed_council
from smartcity.council.models import AgendaItem, Meeting, Membership, Person
from smartcity.council.permissions import COUNCIL_OFFICE, COUNCILLOR
from smartcity.council.session import demo as session_demo
from smartcity.council.session import running
from smartcity.council.session.models import Attendance, Ballot, SpeakerRequest, Vote
from tests.conftest import World
from tests.council.conftest import add_staff, fetch
from tests.council.test_oparl import crawl
from tests.web.conftest import Browser, main_text

SECRET_ITEM = "Grundstücksangelegenheiten"


def council_meeting(council: Seeded) -> Meeting:
    """A meeting of the city council (all 30 members with voting right)."""
    return council.meetings[3]


def items_of(world: World, meeting: Meeting) -> list[AgendaItem]:
    with world.tenant(world.dresden) as db:
        found = list(
            db.scalars(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(AgendaItem.order)
            )
        )
        db.expunge_all()
    return found


def link(world: World, username: str, person: Person) -> None:
    with world.tenant(world.dresden) as db:
        account = db.scalar(select(UserAccount).where(UserAccount.username == username))
        assert account is not None
        running.link_account(
            db, db.get(Person, person.id), username, allowed={account.id}, actor="test"
        )


def member_device(
    world: World, new_client: Callable[[], TestClient], person: Person, username: str
) -> Browser:
    """A councillor's own device, logged in with the account linked to their member."""
    add_staff(world, username, COUNCILLOR)
    link(world, username, person)
    device = Browser(new_client())
    assert device.login(username).status_code == 303
    return device


def device_of(new_client: Callable[[], TestClient], username: str) -> Browser:
    """Another device of the same account (a second login)."""
    device = Browser(new_client())
    assert device.login(username).status_code == 303
    return device


@pytest.fixture
def meeting(council: Seeded) -> Meeting:
    return council_meeting(council)


def base(meeting: Meeting) -> str:
    return f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}"


def record_arrivals(office: Browser, meeting: Meeting, persons: list[Person]) -> None:
    for person in persons:
        response = office.submit(
            f"{base(meeting)}/sitzungsleitung/anwesend", {"person_id": str(person.id)}
        )
        assert response.status_code == 303, response.text[:500]


def open_session(office: Browser, meeting: Meeting) -> None:
    response = office.submit(
        f"{base(meeting)}/sitzungsleitung/eroeffnen",
        {"room_url": "https://meet.example.org/stadtrat"},
    )
    assert response.status_code == 303


def test_a_session_from_check_in_to_the_published_result(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    client: TestClient,
    new_client: Callable[[], TestClient],
) -> None:
    anna, bernd = council.persons[0], council.persons[1]
    mine = member_device(world, new_client, anna, "dd.anna")
    other = member_device(world, new_client, bernd, "dd.bernd")
    console = f"{base(meeting)}/sitzungsleitung"
    page = office.get(console)
    assert page.status_code == 200
    assert "Sitzung eröffnen" in page.text
    assert "noch nicht begonnen" in mine.get(f"{base(meeting)}/sitzung").text
    # Before the session: nothing to check in to.
    assert mine.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 409
    open_session(office, meeting)
    device_page = mine.get(f"{base(meeting)}/sitzung")
    assert "https://meet.example.org/stadtrat" in device_page.text
    # Check-in is idempotent: a reconnect or a second device keeps the one stay.
    for _ in range(2):
        assert mine.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 303
    assert (
        device_of(new_client, "dd.anna").submit(f"{base(meeting)}/sitzung/anmelden").status_code
        == 303
    )
    assert "Sie sind angemeldet" in mine.get(f"{base(meeting)}/sitzung").text
    # The quorum follows check-ins and check-outs: more than half of 30 is 16.
    assert "Nicht beschlussfähig" in office.get(console).text
    record_arrivals(office, meeting, council.persons[2:16])  # 15 present with Anna
    assert "Nicht beschlussfähig" in office.get(console).text
    assert other.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 303
    text = main_text(office.get(console))
    assert "Beschlussfähig: 16 von 30" in text
    assert mine.submit(f"{base(meeting)}/sitzung/abmelden").status_code == 303
    assert "Nicht beschlussfähig: 15 von 30" in main_text(office.get(console))
    assert mine.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 303
    with world.tenant(world.dresden) as db:
        stays = db.scalars(
            select(Attendance).where(Attendance.person_id == anna.id).order_by(Attendance.id)
        ).all()
        assert len(stays) == 2
        assert stays[0].left_at is not None
        assert stays[1].left_at is None
        assert (
            db.scalar(
                select(Attendance.recorded_by).where(Attendance.person_id == council.persons[2].id)
            )
            != "self"
        )
    # The chair calls an item; its start is recorded (the recording's chapter).
    items = items_of(world, meeting)
    proposal = items[1]
    assert office.submit(f"{console}/top", {"item_id": str(proposal.id)}).status_code == 303
    with world.tenant(world.dresden) as db:
        called = db.get(AgendaItem, proposal.id)
        assert called is not None
        assert called.start is not None
        assert called.end is None
    live = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live")
    assert live.status_code == 200
    assert proposal.name in live.text
    assert "http-equiv" not in live.text  # reloads only when asked (WCAG 2.2.1)
    assert (
        'http-equiv="refresh"'
        in client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live?aktualisieren=1").text
    )
    overlay = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/einblendung")
    assert overlay.status_code == 200
    assert proposal.name in overlay.text
    assert 'http-equiv="refresh"' in overlay.text
    assert "/static/council-session/overlay.css" in overlay.text
    assert client.get("/static/council-session/overlay.css").status_code == 200
    # Speakers' list: a point of order goes first; asking twice is one request.
    assert mine.submit(f"{base(meeting)}/sitzung/wortmeldung").status_code == 303
    assert mine.submit(f"{base(meeting)}/sitzung/wortmeldung").status_code == 303
    assert (
        other.submit(f"{base(meeting)}/sitzung/wortmeldung", {"point_of_order": "1"}).status_code
        == 303
    )
    text = main_text(office.get(console))
    assert text.index(bernd.name) < text.index(anna.name)
    assert office.submit(f"{console}/redeliste-weiter").status_code == 303
    assert "spricht" in main_text(office.get(console)).split(bernd.name)[1][:40]
    assert office.submit(f"{console}/redeliste-weiter").status_code == 303
    with world.tenant(world.dresden) as db:
        states = dict(db.execute(select(SpeakerRequest.person_id, SpeakerRequest.state)).all())
    assert states == {bernd.id: "done", anna.id: "speaking"}
    # A roll-call vote. Nothing of it shows before the chair closes it.
    response = office.submit(
        f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main", "roll_call": "1"}
    )
    assert response.status_code == 303
    device_page = mine.get(f"{base(meeting)}/sitzung")
    assert 'name="choice" value="yes"' in device_page.text
    ballot_id = device_page.text.split('name="ballot_id" value="')[1].split('"')[0]
    vote = {"ballot_id": ballot_id}
    assert (
        mine.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "choice": "yes"}).status_code == 303
    )
    second = mine.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "choice": "no"})
    assert second.status_code == 409
    assert "bereits erfasst" in second.text
    assert "Ihre Stimme wurde erfasst: Ja" in main_text(mine.get(f"{base(meeting)}/sitzung"))
    # Bias: recorded by the office, the member cannot vote any more.
    assert office.submit(f"{console}/befangen", {"person_id": str(bernd.id)}).status_code == 303
    assert (
        other.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "choice": "no"}).status_code == 409
    )
    live = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live").text
    assert "Abstimmung läuft" in live
    assert "angenommen" not in live
    assert "1 Stimmen abgegeben" not in live
    # Calling another item while a vote is open is refused.
    assert office.submit(f"{console}/top", {"item_id": str(items[2].id)}).status_code == 409
    assert office.submit(f"{console}/abstimmung-schliessen").status_code == 303
    # Shown to everyone at once.
    for page in (
        client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live"),
        mine.get(f"{base(meeting)}/sitzung"),
        office.get(console),
    ):
        text = main_text(page)
        assert (
            "angenommen – ja 1, nein 0, Enthaltungen 0, befangen 1 (namentliche Abstimmung)" in text
        )
        assert anna.name in text  # the roll call
    assert "angenommen" in client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/einblendung").text
    english = main_text(client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live?lang=en"))
    assert "adopted – yes 1, no 0, abstentions 0, biased 1 (roll-call vote)" in english
    # Written to the agenda item, and into OParl as a vendor extension.
    with world.tenant(world.dresden) as db:
        item = db.get(AgendaItem, proposal.id)
        assert item is not None
        assert item.result == "angenommen"
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {
        "council_session.open",
        "council_session.check_in",
        "council_session.check_out",
        "council_session.item",
        "council_ballot.open",
        "council_ballot.vote",
        "council_ballot.close",
    } <= actions
    document = fetch(client, f"https://testserver/dresden/oparl/v1.1/agendaitem/{proposal.id}")
    [votes] = document["smartcity:votes"]
    assert votes["result"] == "angenommen"
    assert (votes["yes"], votes["no"], votes["abstention"], votes["biased"]) == (1, 0, 0, 1)
    assert votes["voting"] == "rollCall"
    assert votes["membersWithVotingRight"] == 30
    assert votes["present"] == 16
    assert {p["name"]: p["vote"] for p in votes["persons"]} == {
        anna.name: "yes",
        bernd.name: "biased",
    }
    assert all("organization" in f and f["name"] for f in votes["factions"])
    # A vote after the close is refused.
    assert (
        mine.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "choice": "no"}).status_code == 409
    )
    # An ad-hoc motion on the next item (open vote: no names in OParl), then the close.
    assert office.submit(f"{console}/top", {"item_id": str(items[2].id)}).status_code == 303
    empty = office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "motion"})
    assert empty.status_code == 422
    assert "Antrag" in empty.text
    response = office.submit(
        f"{base(meeting)}/sitzungsleitung-abstimmung",
        {"kind": "motion", "subject": "Vertagung in den Ausschuss"},
    )
    assert response.status_code == 303
    assert (
        mine.submit(
            f"{base(meeting)}/sitzung/stimme",
            {"ballot_id": str(int(ballot_id) + 1), "choice": "no"},
        ).status_code
        == 303
    )
    assert office.submit(f"{console}/abstimmung-schliessen").status_code == 303
    document = fetch(client, f"https://testserver/dresden/oparl/v1.1/agendaitem/{items[2].id}")
    [motion] = document["smartcity:votes"]
    assert motion["motion"] is True
    assert motion["result"] == "abgelehnt"
    assert motion["subject"] == "Vertagung in den Ausschuss"
    assert "persons" not in motion
    assert "result" not in document  # a motion's result is not the item's
    assert office.submit(f"{console}/schliessen").status_code == 303
    with world.tenant(world.dresden) as db:
        assert (
            db.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.left_at.is_(None))
            )
            == 0
        )
        ended = db.get(AgendaItem, items[2].id)
        assert ended is not None
        assert ended.end is not None
        held = db.get(Meeting, meeting.id)
        assert held is not None
        assert held.meeting_state == "durchgeführt"
    assert (
        "Die Sitzung ist geschlossen"
        in client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live?lang=de").text
    )


def test_only_present_members_with_voting_right_vote(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    with world.tenant(world.dresden) as db:
        guest = council_services.create(
            db, Person(name="Gerd Gast", family_name="Gast"), actor="test"
        )
        council_services.create(
            db,
            Membership(person_id=guest.id, organization_id=council.council.id, voting_right=False),
            actor="test",
        )
        outsider = council_services.create(
            db, Person(name="Otto Außen", family_name="Außen"), actor="test"
        )
        db.expunge_all()
    advisory = member_device(world, new_client, guest, "dd.guest")
    stranger = member_device(world, new_client, outsider, "dd.outsider")
    late = member_device(world, new_client, council.persons[20], "dd.late")
    unlinked = Browser(new_client())
    add_staff(world, "dd.unlinked", COUNCILLOR)
    assert unlinked.login("dd.unlinked").status_code == 303
    open_session(office, meeting)
    record_arrivals(office, meeting, council.persons[:16])
    assert advisory.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 303
    assert stranger.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 403
    assert "mit keinem Ratsmitglied verknüpft" in unlinked.get(f"{base(meeting)}/sitzung").text
    assert unlinked.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 422
    # The advisory member counts for attendance, not for the quorum.
    assert "16 von 30" in main_text(office.get(f"{base(meeting)}/sitzungsleitung"))
    # No ballot without an item in progress.
    assert (
        office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"}).status_code
        == 409
    )
    item = items_of(world, meeting)[1]
    assert (
        office.submit(f"{base(meeting)}/sitzungsleitung/top", {"item_id": str(item.id)}).status_code
        == 303
    )
    assert (
        office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"}).status_code
        == 303
    )
    with world.tenant(world.dresden) as db:
        ballot = db.scalars(select(Ballot)).one()
        ballot_id = str(ballot.id)
    vote = {"ballot_id": ballot_id, "choice": "yes"}
    refused = advisory.submit(f"{base(meeting)}/sitzung/stimme", vote)
    assert refused.status_code == 403
    assert "kein Stimmrecht" in refused.text
    assert stranger.submit(f"{base(meeting)}/sitzung/stimme", vote).status_code == 403
    not_here = late.submit(f"{base(meeting)}/sitzung/stimme", vote)
    assert not_here.status_code == 409
    assert "zuerst an" in not_here.text
    assert (
        late.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "ballot_id": "999999"}).status_code
        == 404
    )
    assert (
        late.submit(f"{base(meeting)}/sitzung/stimme", {**vote, "choice": "maybe"}).status_code
        == 422
    )
    # The office records a bias, never a vote.
    assert (
        office.submit(
            f"{base(meeting)}/sitzungsleitung/befangen", {"person_id": str(council.persons[5].id)}
        ).status_code
        == 303
    )
    with world.tenant(world.dresden) as db:
        assert [v.choice for v in db.scalars(select(Vote))] == ["biased"]
    # Not quorate: a second ballot may not be opened; closing with no votes rejects.
    assert (
        office.submit(f"{base(meeting)}/sitzungsleitung/abstimmung-schliessen").status_code == 303
    )
    with world.tenant(world.dresden) as db:
        closed = db.get(Ballot, int(ballot_id))
        assert closed is not None
        assert closed.result == "abgelehnt"
        assert closed.biased == 1
    for person in council.persons[:10]:
        office.submit(f"{base(meeting)}/sitzungsleitung/abwesend", {"person_id": str(person.id)})
    refused = office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"})
    assert refused.status_code == 409
    assert "nicht beschlussfähig" in refused.text


def test_who_may_do_what(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    councillor: Browser,
    client: TestClient,
    new_client: Callable[[], TestClient],
) -> None:
    console = f"{base(meeting)}/sitzungsleitung"
    accounts = "/dresden/verwaltung/ratsinfo/sitzungsdienst/mitglieder/konten"
    # The ways in: from the meeting's pages.
    assert f'href="{console}"' in office.get(f"{base(meeting)}/ansicht").text
    assert f'href="{base(meeting)}/sitzung"' in councillor.get(f"{base(meeting)}/ansicht").text
    live_link = f'href="/dresden/ratsinfo/sitzungen/{meeting.id}/live"'
    assert live_link in client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}").text
    # Councillors take part; they do not run the session or link accounts.
    assert councillor.get(console).status_code == 403
    assert councillor.submit(f"{console}/eroeffnen").status_code == 403
    assert (
        councillor.submit(
            f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"}
        ).status_code
        == 403
    )
    assert councillor.get(accounts).status_code == 403
    assert councillor.get(f"{base(meeting)}/sitzung").status_code == 200
    # The office runs the session; it does not take part (no check-in, no vote).
    assert office.get(f"{base(meeting)}/sitzung").status_code == 403
    assert office.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 403
    assert (
        office.submit(
            f"{base(meeting)}/sitzung/stimme", {"ballot_id": "1", "choice": "yes"}
        ).status_code
        == 403
    )
    # Linking: only an account with the councillor role (the office grants no vote).
    response = office.submit(
        accounts, {"person_id": str(council.persons[0].id), "username": "dd.council"}
    )
    assert response.status_code == 422
    assert "kein Konto" in response.text or "Kein Konto" in response.text
    response = office.submit(
        accounts, {"person_id": str(council.persons[0].id), "username": "DD.Councillor"}
    )
    assert response.status_code == 303
    assert council.persons[0].name in office.get(accounts).text
    assert (
        "Anwesenheit" in councillor.get(f"{base(meeting)}/sitzung").text
        or "noch nicht" in councillor.get(f"{base(meeting)}/sitzung").text
    )
    taken = office.submit(
        accounts, {"person_id": str(council.persons[1].id), "username": "dd.councillor"}
    )
    assert taken.status_code == 409
    # Forms need their CSRF token.
    forged = office.client.post(f"{console}/eroeffnen", data={}, follow_redirects=False)
    assert forged.status_code == 403
    # Anonymous: to the login page; other staff and other municipalities: refused.
    anonymous = client.get(console, follow_redirects=False)
    assert anonymous.status_code == 303
    assert "/anmelden" in anonymous.headers["location"]
    press = Browser(new_client())
    assert press.login("dd.press").status_code == 303
    assert press.get(console).status_code == 403
    assert press.get(f"{base(meeting)}/sitzung").status_code == 403
    add_staff(world, "rb.council", COUNCIL_OFFICE, world.radebeul)
    other = Browser(new_client())
    assert other.login("rb.council").status_code == 303
    assert other.get(console).status_code == 403
    assert (
        other.get(
            f"/radebeul/verwaltung/ratsinfo/sitzungen/{meeting.id}/sitzungsleitung"
        ).status_code
        == 404
    )
    assert client.get(f"/radebeul/ratsinfo/sitzungen/{meeting.id}/live").status_code == 404
    assert client.get("/static/council-session/../module.py").status_code == 404


def test_the_votes_of_a_non_public_item_never_leak(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    client: TestClient,
    new_client: Callable[[], TestClient],
) -> None:
    device = member_device(world, new_client, council.persons[0], "dd.anna")
    open_session(office, meeting)
    record_arrivals(office, meeting, council.persons[1:17])
    assert device.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 303
    secret = next(i for i in items_of(world, meeting) if not i.public)
    console = f"{base(meeting)}/sitzungsleitung"
    assert office.submit(f"{console}/top", {"item_id": str(secret.id)}).status_code == 303
    assert (
        office.submit(
            f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main", "roll_call": "1"}
        ).status_code
        == 303
    )
    live = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live").text
    assert SECRET_ITEM not in live
    assert "Nichtöffentlicher Teil" in live
    assert "Abstimmung läuft" not in live
    # Councillors see it on their device.
    assert SECRET_ITEM in device.get(f"{base(meeting)}/sitzung").text
    with world.tenant(world.dresden) as db:
        ballot_id = db.scalars(select(Ballot.id)).one()
    assert (
        device.submit(
            f"{base(meeting)}/sitzung/stimme", {"ballot_id": str(ballot_id), "choice": "yes"}
        ).status_code
        == 303
    )
    assert office.submit(f"{console}/abstimmung-schliessen").status_code == 303
    for path in ("live", "einblendung"):
        text = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/{path}").text
        assert SECRET_ITEM not in text
        assert "angenommen" not in text
        assert council.persons[0].name not in text
    assert SECRET_ITEM in office.get(console).text
    assert client.get(f"/dresden/oparl/v1.1/agendaitem/{secret.id}").status_code == 404
    found = crawl(client)
    everything = "\n".join(found.texts)
    assert SECRET_ITEM not in everything
    assert all(
        vote["subject"] != "Beschlussvorschlag" or vote.get("result") != "angenommen"
        for document in found.objects.values()
        for vote in document.get("smartcity:votes", [])
    )


def test_the_demo_has_a_held_session_with_votes_per_faction(
    world: World, council: Seeded, client: TestClient
) -> None:
    held = council.meetings[0]  # a council meeting in the past
    with world.tenant(world.dresden) as db:
        meeting = db.get(Meeting, held.id)
        assert meeting is not None
        session_demo.run_held_session(db, meeting)
    with world.tenant(world.dresden) as db:
        ballots = db.scalars(select(Ballot).order_by(Ballot.id)).all()
        assert len(ballots) == 4  # two proposals, one amendment, the non-public item
        assert all(b.state == "closed" and b.result for b in ballots)
        assert all(len(b.factions) == 5 for b in ballots)
        assert sum(b.biased for b in ballots) == 1
        items = db.scalars(select(AgendaItem).where(AgendaItem.meeting_id == held.id)).all()
        assert all(i.start is not None and i.end is not None for i in items)
        assert all(held.start <= i.start <= held.start + timedelta(hours=3) for i in items)
    page = main_text(client.get(f"/dresden/ratsinfo/sitzungen/{held.id}/live"))
    assert "Stimmen nach Fraktionen" in page
    assert "Fraktion Mitte" in page
    found = crawl(client)  # every object, with the votes, validates against the schemas
    votes = [v for d in found.objects.values() for v in d.get("smartcity:votes", [])]
    assert len(votes) == 3  # the non-public item's vote is not among them
    assert any(v["voting"] == "rollCall" and v["persons"] for v in votes)
    assert any(v["motion"] for v in votes)


def test_the_demo_seeder_links_the_demo_councillor(world: World, client: TestClient) -> None:
    portal = Portal.of(world.platform.settings)
    with world.tenant(world.radebeul) as db:
        seeded = seed_council(
            db, data_dir=portal.data_dir, limits=portal.limits, now=utcnow(), meetings=4
        )
        held, upcoming = seeded.meetings[0].id, seeded.meetings[3].id
    add_staff(world, "radebeul.stadtrat", COUNCILLOR, world.radebeul)
    said: list[str] = []
    context = DemoContext(world.platform, {"radebeul": world.radebeul}, say=said.append)
    session_demo.seed(context)
    session_demo.seed(context)  # a second run adds nothing
    with world.tenant(world.radebeul) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 4
        assert {b.meeting_id for b in db.scalars(select(Ballot))} == {held}
        account = db.scalar(select(UserAccount).where(UserAccount.username == "radebeul.stadtrat"))
        assert account is not None
        person = running.person_of(db, account.id)
        assert person is not None
        assert person.name == "Anna Albrecht"
    assert f"sitzungen/{upcoming}/sitzungsleitung" in said[0]
    assert "angenommen" in client.get(f"/radebeul/ratsinfo/sitzungen/{held}/live").text


def test_the_subject_of_a_vote_on_the_proposal_is_shown_in_the_page_language(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    """A vote on the item's proposal is named in the language of the page (German by default,
    English on request); an ad-hoc motion is shown as the chair wrote it down."""
    mine = member_device(world, new_client, council.persons[0], "dd.anna")
    open_session(office, meeting)
    record_arrivals(office, meeting, council.persons[:16])
    console = f"{base(meeting)}/sitzungsleitung"
    items = items_of(world, meeting)
    assert office.submit(f"{console}/top", {"item_id": str(items[1].id)}).status_code == 303
    opened = office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"})
    assert opened.status_code == 303
    device = f"{base(meeting)}/sitzung"
    for page in (office.get(f"{console}?lang=en"), mine.get(f"{device}?lang=en")):
        text = main_text(page)
        assert f"{items[1].name} – Proposed resolution" in text
        assert "Beschlussvorschlag" not in text
    for page in (office.get(f"{console}?lang=de"), mine.get(f"{device}?lang=de")):
        assert f"{items[1].name} – Beschlussvorschlag" in main_text(page)
    assert office.submit(f"{console}/abstimmung-schliessen").status_code == 303
    motion = office.submit(
        f"{base(meeting)}/sitzungsleitung-abstimmung",
        {"kind": "motion", "subject": "Vertagung in den Ausschuss"},
    )
    assert motion.status_code == 303
    for page in (office.get(f"{console}?lang=en"), mine.get(f"{device}?lang=en")):
        text = main_text(page)
        assert f"{items[1].name} – Vertagung in den Ausschuss" in text
        assert "Proposed resolution" not in text


def test_a_councillor_of_another_municipality_takes_no_part_in_its_sessions(
    world: World,
    council: Seeded,
    meeting: Meeting,
    office: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    """A Radebeul councillor, linked to their Radebeul member, who also holds the councillor
    role in Dresden: on a Dresden meeting they are nobody's member (no check-in, no vote, no
    part of the quorum); without a Dresden role they are refused outright."""
    add_staff(world, "rb.albrecht", COUNCILLOR, world.radebeul)
    with world.tenant(world.radebeul) as db:
        member = council_services.create(
            db, Person(name="Anna Albrecht", family_name="Albrecht"), actor="test"
        )
        account = db.scalar(select(UserAccount).where(UserAccount.username == "rb.albrecht"))
        assert account is not None
        running.link_account(db, member, "rb.albrecht", allowed={account.id}, actor="test")
    device = Browser(new_client())
    assert device.login("rb.albrecht").status_code == 303
    open_session(office, meeting)
    assert device.get(f"{base(meeting)}/sitzung").status_code == 403
    assert device.submit(f"{base(meeting)}/sitzung/anmelden").status_code == 403
    with world.system() as db:
        account = db.scalar(select(UserAccount).where(UserAccount.username == "rb.albrecht"))
        assert account is not None
        users.assign_role(
            db,
            account,
            COUNCILLOR,
            municipality=world.dresden,
            region=db.get(Region, world.dresden.region_id),
            actor="test",
        )
    device = Browser(new_client())
    assert device.login("rb.albrecht").status_code == 303
    page = device.get(f"{base(meeting)}/sitzung")
    assert page.status_code == 200
    assert "Sie sind angemeldet" not in page.text
    refused = device.submit(f"{base(meeting)}/sitzung/anmelden")
    assert refused.status_code == 422
    assert "mit keinem Ratsmitglied verknüpft" in refused.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Attendance)) == 0
        assert running.person_of(db, account.id) is None
        assert running.quorum(db, db.get(Meeting, meeting.id)).present == 0
