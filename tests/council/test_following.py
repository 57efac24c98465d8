"""Following a paper or a committee by e-mail: opt-in with the citizen login's confirmed
address on the portal pages, mails in the follower's language when something public happens
(a new document of the paper, the paper on a public agenda, a new meeting of the committee)
and never for what is not public, and a link in every mail that ends it without signing in —
only in its own municipality, never forged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.citizen import login as citizen_login
from smartcity.core.db import utcnow
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.portal import Portal
from smartcity.council import following
from smartcity.council.demo import Seeded, pdf
from smartcity.council.models import (
    AgendaItem,
    Meeting,
    MeetingOrganization,
    Organization,
    Paper,
)
from smartcity.council.models_following import Follow
from smartcity.modules import installed_modules
from smartcity.privacy.declarations import declared
from smartcity.privacy.erasure import erase
from smartcity.privacy.search import find
from tests.conftest import World
from tests.web.conftest import Browser, main_text

PORTAL = "/dresden/ratsinfo"
OFFICE = "/dresden/verwaltung/ratsinfo"
ZONE = ZoneInfo("Europe/Berlin")


def _citizen(
    new_client: Callable[[], TestClient], world: World, sub: str, *, email: bool = True
) -> Browser:
    """A browser signed in with the citizen login (with a confirmed address, or none)."""
    client = new_client()
    claims: dict[str, object] = {"iss": "https://id.example", "sub": sub, "name": sub}
    if email:
        claims |= {"email": f"{sub}@example.org", "email_verified": True}
    with world.system() as db:
        token = citizen_login.start(db, claims)
    client.cookies.set(citizen_login.COOKIE, token)
    return Browser(client)


def _mails(world: World) -> list[OutgoingMail]:
    with world.tenant(world.dresden) as db:
        found = list(db.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))
        for mail in found:
            db.expunge(mail)
        return found


def _follows(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return db.scalar(select(func.count()).select_from(Follow)) or 0


def _public_paper(council: Seeded) -> Paper:
    return next(p for p in council.papers if p.public)


def _upload(office: Browser, paper: Paper, name: str, *, public: bool) -> None:
    fields = {"name": name, "role": "auxiliaryFile"} | ({"public": "1"} if public else {})
    done = office.submit(
        f"{OFFICE}/vorlagen/{paper.id}/dateien",
        fields,
        files={"file": ("anlage.pdf", pdf(name, ["Anlage"]), "application/pdf")},
    )
    assert done.status_code == 303, done.text


def _future(days: int) -> str:
    return (utcnow() + timedelta(days=days)).astimezone(ZONE).strftime("%Y-%m-%dT17:00")


def _new_meeting(office: Browser, name: str, organization: Organization, days: int = 20) -> int:
    created = office.submit(
        f"{OFFICE}/sitzungen/neu",
        [("name", name), ("start", _future(days)), ("organizations", str(organization.id))],
    )
    assert created.status_code == 303, main_text(created)
    return int(created.headers["location"].split("/sitzungen/")[1].split("/")[0])


def test_a_papers_followers_hear_of_its_public_documents_and_agenda_and_nothing_else(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    paper = _public_paper(council)
    page = f"{PORTAL}/vorlagen/{paper.id}"
    anna = _citizen(new_client, world, "anna")
    assert "Dieser Vorlage per E-Mail folgen" in main_text(anna.get(page))
    followed = anna.submit(f"{page}/folgen", {"action": "start"})
    assert followed.status_code == 303
    assert followed.headers["location"] == f"{page}#folgen"
    assert "Sie folgen per E-Mail." in main_text(anna.get(page))
    # Ben follows in English; following twice is one following.
    ben = _citizen(new_client, world, "ben")
    ben.get(f"{page}?lang=en")
    assert ben.submit(f"{page}/folgen", {"action": "start"}).status_code == 303
    assert ben.submit(f"{page}/folgen", {"action": "start"}).status_code == 303
    assert _follows(world) == 2

    # A document for councillors only sends nothing; a public one tells both.
    _upload(office, paper, "Vertrauliche Kalkulation", public=False)
    assert _mails(world) == []
    _upload(office, paper, "Lageplan Radwege", public=True)
    mails = _mails(world)
    assert {m.to_address for m in mails} == {"anna@example.org", "ben@example.org"}
    german = next(m for m in mails if m.to_address == "anna@example.org")
    english = next(m for m in mails if m.to_address == "ben@example.org")
    label = f"{paper.reference} {paper.name}"
    assert german.subject == f"Neues Dokument: {label}"
    assert "das Dokument „Lageplan Radwege“ veröffentlicht" in german.body
    assert f"{PORTAL}/vorlagen/{paper.id}" in german.body
    assert "Vertraulich" not in german.body
    assert english.subject == f"New document: {label}"
    assert "You receive this mail because you follow the paper" in english.body
    assert "id.example" not in german.body  # no login subjects in mails

    # Put on a non-public agenda item: nothing; the item made public: "on the agenda".
    meeting_id = _new_meeting(office, "Bauausschuss Sondersitzung", council.committees[0])
    item = office.submit(
        f"{OFFICE}/tops/neu",
        {"meeting_id": str(meeting_id), "number": "4.", "order": "4", "name": paper.name},
    )
    assert item.status_code == 303, main_text(item)
    with world.tenant(world.dresden) as db:
        item_id = db.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
    consultation = office.submit(
        f"{OFFICE}/beratungen/neu",
        {"paper_id": str(paper.id), "agenda_item_id": str(item_id), "role": "Vorberatung"},
    )
    assert consultation.status_code == 303, main_text(consultation)
    assert len(_mails(world)) == 2
    published = office.submit(
        f"{OFFICE}/tops/{item_id}",
        {
            "meeting_id": str(meeting_id),
            "number": "4.",
            "order": "4",
            "name": paper.name,
            "public": "1",
        },
    )
    assert published.status_code == 303, main_text(published)
    scheduled = _mails(world)[2:]
    assert sorted(m.subject for m in scheduled) == [
        f"Auf der Tagesordnung: {label}",
        f"On the agenda: {label}",
    ]
    body = next(m.body for m in scheduled if m.to_address == "anna@example.org")
    assert "steht auf der Tagesordnung der Sitzung „Bauausschuss Sondersitzung“" in body
    assert "(TOP 4.)" in body
    assert f"{PORTAL}/sitzungen/{meeting_id}" in body
    # Saving the item again tells nobody anything new.
    again = office.submit(
        f"{OFFICE}/tops/{item_id}",
        {
            "meeting_id": str(meeting_id),
            "number": "4.",
            "order": "5",
            "name": paper.name,
            "public": "1",
        },
    )
    assert again.status_code == 303
    assert len(_mails(world)) == 4

    # Anna stops on the page; the next document goes to Ben only.
    assert anna.submit(f"{page}/folgen", {"action": "stop"}).status_code == 303
    assert "Dieser Vorlage per E-Mail folgen" in main_text(anna.get(page))
    _upload(office, paper, "Kostenschätzung", public=True)
    assert [m.to_address for m in _mails(world)[4:]] == ["ben@example.org"]


def test_a_paper_that_is_no_longer_public_sends_nothing_and_cannot_be_followed(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    paper = _public_paper(council)
    page = f"{PORTAL}/vorlagen/{paper.id}"
    anna = _citizen(new_client, world, "anna")
    assert anna.submit(f"{page}/folgen", {"action": "start"}).status_code == 303
    with world.tenant(world.dresden) as db:
        found = db.get(Paper, paper.id)
        assert found is not None
        found.public = False
    _upload(office, paper, "Neue Anlage", public=True)
    assert _mails(world) == []
    ben = _citizen(new_client, world, "ben")
    assert ben.submit(f"{page}/folgen", {"action": "start"}).status_code == 404
    hidden = next(p for p in council.papers if not p.public)
    refused = ben.submit(f"{PORTAL}/vorlagen/{hidden.id}/folgen", {"action": "start"})
    assert refused.status_code == 404
    assert _follows(world) == 1
    # Deleting the paper ends its followings.
    assert office.submit(f"{OFFICE}/vorlagen/{paper.id}/loeschen").status_code == 303
    assert _follows(world) == 0


def test_a_committees_followers_hear_of_its_new_meetings(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    committee, other = council.committees[0], council.committees[1]
    page = f"{PORTAL}/gremien/{committee.id}"
    anna = _citizen(new_client, world, "anna")
    assert "Diesem Gremium per E-Mail folgen" in main_text(anna.get(page))
    assert anna.submit(f"{page}/folgen", {"action": "start"}).status_code == 303
    assert "Sie folgen per E-Mail." in main_text(anna.get(page))

    meeting_id = _new_meeting(office, "Sitzung im Frühling", committee, days=30)
    [mail] = _mails(world)
    assert mail.to_address == "anna@example.org"
    assert mail.subject.startswith("Neue Sitzung: Sitzung im Frühling am ")
    assert f"{committee.name} tagt am " in mail.body
    assert f"{PORTAL}/sitzungen/{meeting_id}" in mail.body
    assert f"weil Sie „{committee.name}“ folgen" in mail.body
    # Editing that meeting, another committee's meeting, one in the past, one cancelled: no
    # mail.
    edited = office.submit(
        f"{OFFICE}/sitzungen/{meeting_id}",
        [
            ("name", "Sitzung im Frühling (neuer Raum)"),
            ("start", _future(30)),
            ("organizations", str(committee.id)),
        ],
    )
    assert edited.status_code == 303, main_text(edited)
    _new_meeting(office, "Sitzung des anderen Ausschusses", other)
    _new_meeting(office, "Nachgetragene Sitzung", committee, days=-40)
    cancelled = office.submit(
        f"{OFFICE}/sitzungen/neu",
        [
            ("name", "Abgesagte Sitzung"),
            ("start", _future(40)),
            ("cancelled", "1"),
            ("organizations", str(committee.id)),
        ],
    )
    assert cancelled.status_code == 303
    assert len(_mails(world)) == 1
    # A meeting the committee joins later is news to its followers.
    joint = _new_meeting(office, "Gemeinsame Sitzung", other, days=50)
    joined = office.submit(
        f"{OFFICE}/sitzungen/{joint}",
        [
            ("name", "Gemeinsame Sitzung"),
            ("start", _future(50)),
            ("organizations", str(other.id)),
            ("organizations", str(committee.id)),
        ],
    )
    assert joined.status_code == 303
    assert [m.subject.split(" am ")[0] for m in _mails(world)] == [
        "Neue Sitzung: Sitzung im Frühling",
        "Neue Sitzung: Gemeinsame Sitzung",
    ]
    # Following both organizations of a joint meeting: one mail.
    assert anna.submit(f"{PORTAL}/gremien/{other.id}/folgen", {}).status_code == 303
    both = office.submit(
        f"{OFFICE}/sitzungen/neu",
        [
            ("name", "Zweite gemeinsame Sitzung"),
            ("start", _future(60)),
            ("organizations", str(other.id)),
            ("organizations", str(committee.id)),
        ],
    )
    assert both.status_code == 303
    assert [m.subject.split(" am ")[0] for m in _mails(world)[2:]] == [
        "Neue Sitzung: Zweite gemeinsame Sitzung"
    ]


def test_a_committees_followers_get_the_public_agenda_with_the_invitation(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    now = utcnow()
    meeting = next(m for m in council.meetings if m.start > now)
    with world.tenant(world.dresden) as db:
        organization_id = db.scalar(
            select(MeetingOrganization.organization_id).where(
                MeetingOrganization.meeting_id == meeting.id
            )
        )
        public = db.scalars(
            select(AgendaItem.name).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.public.is_(True)
            )
        ).all()
    assert public
    anna = _citizen(new_client, world, "anna")
    assert anna.submit(f"{PORTAL}/gremien/{organization_id}/folgen", {}).status_code == 303
    sent = office.submit(f"{OFFICE}/sitzungen/{meeting.id}/einladung")
    assert sent.status_code == 303
    [mail] = [m for m in _mails(world) if m.to_address == "anna@example.org"]
    assert mail.subject.startswith(f"Tagesordnung: {meeting.name} am ")
    assert all(" ".join(name.split()) in mail.body for name in public)
    assert "Grundstücksangelegenheiten" not in mail.body  # the non-public item
    # The office cancels the meeting and sends the cancellation: the followers hear of it.
    with world.tenant(world.dresden) as db:
        found = db.get(Meeting, meeting.id)
        assert found is not None
        found.cancelled = True
    assert office.submit(f"{OFFICE}/sitzungen/{meeting.id}/einladung").status_code == 303
    mine = [m for m in _mails(world) if m.to_address == "anna@example.org"]
    assert len(mine) == 2
    assert mine[1].subject.startswith(f"Abgesagt: {meeting.name} am ")
    assert "fällt aus" in mine[1].body


def test_who_may_follow(
    world: World, council: Seeded, new_client: Callable[[], TestClient]
) -> None:
    paper = _public_paper(council)
    page = f"{PORTAL}/vorlagen/{paper.id}"
    visitor = Browser(new_client())
    shown = visitor.get(page)
    assert "Mit dem Bürgerkonto anmelden, um per E-Mail zu folgen" in main_text(shown)
    assert f'href="/citizen/login?next={page}"' in shown.text
    anonymous = visitor.submit(f"{page}/folgen", {"action": "start"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/citizen/login?next=")
    carl = _citizen(new_client, world, "carl", email=False)
    assert "keine bestätigte E-Mail-Adresse" in main_text(carl.get(page))
    refused = carl.submit(f"{page}/folgen", {"action": "start"})
    assert refused.status_code == 422
    assert "keine bestätigte E-Mail-Adresse" in main_text(refused)
    # Without the CSRF token nothing happens.
    anna = _citizen(new_client, world, "anna")
    forged = anna.client.post(f"{page}/folgen", data={"action": "start"}, follow_redirects=False)
    assert forged.status_code == 403
    assert _follows(world) == 0


def test_the_link_in_every_mail_ends_the_following_without_signing_in(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    paper = _public_paper(council)
    anna = _citizen(new_client, world, "anna")
    assert anna.submit(f"{PORTAL}/vorlagen/{paper.id}/folgen", {}).status_code == 303
    _upload(office, paper, "Erste Anlage", public=True)
    _upload(office, paper, "Zweite Anlage", public=True)
    links = [
        re.search(r"https?://\S+(/dresden/ratsinfo/abbestellen/\S+)", m.body) for m in _mails(world)
    ]
    assert all(links)
    assert len({found.group(1) for found in links if found}) == 1
    first = links[0]
    assert first is not None
    stop = first.group(1)
    visitor = Browser(new_client())
    shown = visitor.get(stop)  # a GET (a mail scanner) changes nothing
    assert shown.status_code == 200
    assert f"Sie erhalten E-Mails zur Vorlage „{paper.reference} {paper.name}“." in main_text(shown)
    assert _follows(world) == 1
    ended = visitor.submit(stop, {})
    assert ended.status_code == 200
    assert "Sie erhalten keine E-Mails mehr dazu." in main_text(ended)
    assert _follows(world) == 0
    assert visitor.get(stop).status_code == 404
    assert visitor.submit(stop, {}).status_code == 404
    _upload(office, paper, "Dritte Anlage", public=True)
    assert len(_mails(world)) == 2


def test_an_unsubscribe_link_is_bound_to_its_following_and_municipality(
    world: World, council: Seeded, new_client: Callable[[], TestClient]
) -> None:
    secret = world.platform.settings.require_secret_key()
    with world.tenant(world.dresden) as db:
        for sub in ("anna", "ben"):
            organization = db.get(Organization, council.committees[0].id)
            assert organization is not None
            following.follow(
                db,
                organization,
                citizen_subject=f"https://id.example|{sub}",
                email=f"{sub}@example.org",
                language="de",
            )
        anna, ben = db.scalars(select(Follow).order_by(Follow.id)).all()
        token, other = following.token_of(secret, anna), following.token_of(secret, ben)
    visitor = Browser(new_client())
    # Radebeul's address with Dresden's link: not found there, and nothing of Dresden ends.
    assert visitor.get(f"/radebeul/ratsinfo/abbestellen/{token}").status_code == 404
    assert visitor.submit(f"/radebeul/ratsinfo/abbestellen/{token}", {}).status_code == 404
    # A forged link: another following's id with this link's code, or a made-up code.
    number, _, mac = token.partition("-")
    other_number = other.partition("-")[0]
    for forged in (f"{other_number}-{mac}", f"{number}-{'0' * 32}", "nichts", f"{number}-"):
        assert visitor.get(f"{PORTAL}/abbestellen/{forged}").status_code == 404
        assert visitor.submit(f"{PORTAL}/abbestellen/{forged}", {}).status_code == 404
    assert _follows(world) == 2
    assert visitor.get(f"{PORTAL}/abbestellen/{token}").status_code == 200


def test_access_and_erasure_find_and_remove_the_followings(
    world: World, council: Seeded, new_client: Callable[[], TestClient]
) -> None:
    paper = _public_paper(council)
    anna = _citizen(new_client, world, "anna")
    ben = _citizen(new_client, world, "ben")
    for citizen in (anna, ben):
        assert citizen.submit(f"{PORTAL}/vorlagen/{paper.id}/folgen", {}).status_code == 303
    assert anna.submit(f"{PORTAL}/gremien/{council.committees[0].id}/folgen", {}).status_code == 303
    portal = Portal.of(world.platform.settings)
    with world.tenant(world.dresden) as db:
        found = find(db, declared(installed_modules()), {"email": ["ANNA@example.org"]})
        assert len(found.rows["council_follow"]) == 2
        erase(db, portal.data_dir, found, actor="test", reference="request-1")
    with world.tenant(world.dresden) as db:
        left = db.scalars(select(Follow.email)).all()
    assert left == ["ben@example.org"]
