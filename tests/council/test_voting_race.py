"""One councillor, two devices, the same moment: of two votes exactly one counts and the other
is refused (the unique constraint on ballot and person decides, on SQLite and PostgreSQL), and
two check-ins make one stay. Real concurrent requests, one thread per device."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smartcity.council.demo import Seeded
from smartcity.council.session import voting
from smartcity.council.session.models import Attendance, Ballot, Vote
from tests.conftest import World
from tests.council.test_session import (
    base,
    council_meeting,
    device_of,
    items_of,
    member_device,
    open_session,
    record_arrivals,
)
from tests.web.conftest import Browser


def at_once(devices: list[Browser], send: Callable[[Browser, int], int]) -> list[int]:
    """Each device sends at the same moment; the status codes in the devices' order."""
    start = threading.Barrier(len(devices))
    results: list[int] = [0] * len(devices)

    def run(index: int) -> None:
        start.wait()
        results[index] = send(devices[index], index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def voter(
    meeting_id: int, ballot_id: int | None, choices: tuple[str, str]
) -> Callable[[Browser, int], int]:
    def send(device: Browser, index: int) -> int:
        return device.submit(
            f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting_id}/sitzung/stimme",
            {"ballot_id": str(ballot_id), "choice": choices[index]},
        ).status_code

    return send


def test_the_database_refuses_a_second_vote_of_a_member(world: World, council: Seeded) -> None:
    """The constraint itself, below the service's check: a second row cannot be written."""
    meeting = council_meeting(council)
    item = items_of(world, meeting)[1]
    with world.tenant(world.dresden) as db:
        ballot = Ballot(meeting_id=meeting.id, agenda_item_id=item.id, subject="Test")
        db.add(ballot)
        db.flush()
        db.add(Vote(ballot_id=ballot.id, person_id=council.persons[0].id, choice="yes"))
        db.flush()
        for second in (
            Vote(ballot_id=ballot.id, person_id=council.persons[0].id, choice="no"),
            # One open ballot per meeting, too.
            Ballot(meeting_id=meeting.id, agenda_item_id=item.id, subject="Zweite"),
        ):
            savepoint = db.begin_nested()
            db.add(second)
            with pytest.raises(IntegrityError):
                db.flush()
            savepoint.rollback()


def test_a_vote_from_two_devices_counts_once(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    meeting = council_meeting(council)
    anna = council.persons[0]
    phone = member_device(world, new_client, anna, "dd.anna")
    tablet = device_of(new_client, "dd.anna")
    open_session(office, meeting)
    # Two check-ins at once: one stay.
    codes = at_once(
        [phone, tablet],
        lambda device, _i: device.submit(f"{base(meeting)}/sitzung/anmelden").status_code,
    )
    assert codes == [303, 303]
    with world.tenant(world.dresden) as db:
        stays = db.scalars(select(Attendance).where(Attendance.person_id == anna.id)).all()
        assert len(stays) == 1
    record_arrivals(office, meeting, council.persons[1:16])
    items = items_of(world, meeting)
    console = f"{base(meeting)}/sitzungsleitung"
    for round_, item in enumerate(items[1:3]):
        assert office.submit(f"{console}/top", {"item_id": str(item.id)}).status_code == 303
        opened = office.submit(f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main"})
        assert opened.status_code == 303
        with world.tenant(world.dresden) as db:
            ballot_id = db.scalar(select(Ballot.id).where(Ballot.state == "open"))
        choices = ("yes", "no")
        codes = at_once([phone, tablet], voter(meeting.id, ballot_id, choices))
        assert sorted(codes) == [303, 409], (round_, codes)
        with world.tenant(world.dresden) as db:
            votes = db.scalars(select(Vote).where(Vote.ballot_id == ballot_id)).all()
            assert len(votes) == 1
            assert votes[0].person_id == anna.id
            assert votes[0].choice == choices[codes.index(303)]
        assert office.submit(f"{console}/abstimmung-schliessen").status_code == 303
        with world.tenant(world.dresden) as db:
            closed = db.get(Ballot, ballot_id)
            assert closed is not None
            assert closed.yes + closed.no == 1


def test_a_vote_cast_while_the_chair_closes_is_counted_or_refused(
    world: World, council: Seeded, office: Browser, new_client: Callable[[], TestClient]
) -> None:
    """Members vote at the moment the chair closes the ballot: every vote that was accepted is
    in the published counts, every other one was refused with 409 — the stored votes, the
    roll call read from them and the counts on the closed ballot never disagree."""
    meeting = council_meeting(council)
    voters = council.persons[:6]
    devices = [
        member_device(world, new_client, person, f"dd.race{i}") for i, person in enumerate(voters)
    ]
    open_session(office, meeting)
    record_arrivals(office, meeting, council.persons[:16])
    console = f"{base(meeting)}/sitzungsleitung"
    choices = ("yes", "no", "abstain", "yes", "no", "yes")
    for round_, item in enumerate(items_of(world, meeting)[1:4]):
        assert office.submit(f"{console}/top", {"item_id": str(item.id)}).status_code == 303
        opened = office.submit(
            f"{base(meeting)}/sitzungsleitung-abstimmung", {"kind": "main", "roll_call": "1"}
        )
        assert opened.status_code == 303
        with world.tenant(world.dresden) as db:
            ballot_id = db.scalar(select(Ballot.id).where(Ballot.state == "open"))
        # The chair closes at the same moment the members send their votes (the last thread
        # closes, the others vote). Which votes get in before the close is up to timing.
        messages: list[str] = [""] * len(devices)

        def send(
            device: Browser, index: int, ballot: int | None = ballot_id, texts: list[str] = messages
        ) -> int:
            if device is office:
                return office.submit(f"{console}/abstimmung-schliessen").status_code
            response = device.submit(
                f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/sitzung/stimme",
                {"ballot_id": str(ballot), "choice": choices[index]},
            )
            texts[index] = response.text
            return response.status_code

        codes = at_once([*devices, office], send)
        assert codes[-1] == 303, (round_, codes)  # the close
        assert set(codes[:-1]) <= {303, 409}, (round_, codes)
        for code, text in zip(codes[:-1], messages, strict=True):
            if code == 409:
                assert "geschlossen" in text or "nicht geöffnet" in text
        with world.tenant(world.dresden) as db:
            closed = db.get(Ballot, ballot_id)
            assert closed is not None
            assert closed.state == "closed"
            stored = db.scalars(select(Vote).where(Vote.ballot_id == ballot_id)).all()
            by_choice = {c: sum(1 for v in stored if v.choice == c) for c in choices}
            assert (closed.yes, closed.no, closed.abstain) == (
                by_choice["yes"],
                by_choice["no"],
                by_choice["abstain"],
            ), (round_, codes)
            assert closed.biased == 0
            # Exactly the accepted votes are stored (and counted).
            accepted = {voters[i].id for i, code in enumerate(codes[:-1]) if code == 303}
            assert {v.person_id for v in stored} == accepted, (round_, codes)
            assert sum(f["yes"] + f["no"] + f["abstain"] for f in closed.factions) == len(stored)
            # The published roll call agrees with the counts.
            roll_call = voting.person_votes(db, closed)
            assert len(roll_call) == closed.yes + closed.no + closed.abstain
