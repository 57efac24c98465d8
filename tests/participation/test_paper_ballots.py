"""Paper ballots of a polling station, entered under four eyes: checked like online ballots,
counted only after a second, different staff account confirmed them (also when two confirm at
the same moment: once), rejected entries kept, a receipt code and a place in the published
tally for each, and a voting code that votes once, online or on paper. With budgets per
district a paper ballot names its district and counts in that district's tally only."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, PermissionDenied, ServiceError
from smartcity.core.identity import users
from smartcity.modules import installed_modules
from smartcity.participation import districts, paper, services, voting
from smartcity.participation.models import Ballot, PaperBallot, Phase, Process
from smartcity.participation.permissions import POLLING_STATION
from tests.conftest import PASSWORD, World
from tests.participation.conftest import DAY, set_phase
from tests.participation.test_districts import BASE as DISTRICT_BASE
from tests.participation.test_districts import STAFF as DISTRICT_STAFF
from tests.participation.test_districts import _process as _district_process
from tests.participation.test_districts import _setup as _districts
from tests.participation.test_voting import BASE, STAFF, _budget
from tests.web.conftest import Browser, main_text

PAPER = f"{STAFF}/papier"
API = "/dresden/api/v1/participation/processes/haushalt"
HOUR = timedelta(hours=1)
DISTRICT_PAPER = f"{DISTRICT_STAFF}/papier"


def _clerk(world: World, username: str) -> int:
    """A staff account of Dresden's polling station; its id."""
    with world.system() as db:
        account = users.create_user(
            db,
            username=username,
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            POLLING_STATION,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
        return account.id


def _secret(world: World) -> str:
    return world.platform.settings.require_secret_key()


def _enter(world: World, process: Process, choices: list[int], by: int, code: str = "") -> int:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        entry = paper.enter(
            db,
            found,
            choices,
            station="Rathaus Pieschen",
            code=code,
            entered_by=by,
            actor=f"user:{by}",
            secret=_secret(world),
        )
        return entry.id


def _confirm(world: World, process: Process, entry_id: int, by: int) -> Ballot:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        ballot = paper.confirm(
            db, found, entry_id, by=by, actor=f"user:{by}", secret=_secret(world)
        )
        db.expunge(ballot)
        return ballot


def _ballots(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return int(db.scalar(select(func.count()).select_from(Ballot)) or 0)


def test_a_paper_ballot_counts_only_after_a_second_person_confirms_it(world: World) -> None:
    process, ids = _budget(world)
    first, second = _clerk(world, "dd.wahl1"), _clerk(world, "dd.wahl2")
    entry = _enter(world, process, [ids["Spielplatz"], ids["Lastenrad"]], first)
    assert _ballots(world) == 0  # entered, not counted

    with pytest.raises(PermissionDenied):
        _confirm(world, process, entry, first)  # not their own
    assert _ballots(world) == 0

    ballot = _confirm(world, process, entry, second)
    assert ballot.paper
    assert len(ballot.receipt) == 14
    assert ballot.choices == sorted([ids["Spielplatz"], ids["Lastenrad"]])
    with pytest.raises(Conflict):
        _confirm(world, process, entry, second)  # decided already
    assert _ballots(world) == 1

    # In the published tally like any ballot, after voting closed.
    set_phase(world, process, "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        published = voting.published_ballots(db, found)
        assert published == [(ballot.receipt, ballot.choices)]
        result = voting.result(db, found)
        assert {line.project.id: line.votes for line in result.lines}[ids["Spielplatz"]] == 1
        actions = list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("participation.paper.%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["participation.paper.enter", "participation.paper.confirm"]


def test_bad_paper_ballots_are_refused_and_change_nothing(world: World) -> None:
    process, ids = _budget(world)
    first = _clerk(world, "dd.wahl1")
    over_budget = [ids["Spielplatz"], ids["Wiese"], ids["Bänke"]]  # 100,000 € > 80,000 €
    for choices, field in (
        (over_budget, "choices"),
        ([], "choices"),
        ([ids["Spielplatz"], ids["Spielplatz"]], "choices"),
        ([999_999], "choices"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _enter(world, process, choices, first)
        assert field in refused.value.errors
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(InvalidInput) as refused:
            paper.enter(
                db,
                found,
                [ids["Bänke"]],
                station=" ",
                entered_by=first,
                actor="test",
                secret=_secret(world),
            )
        assert "station" in refused.value.errors
        assert db.scalar(select(func.count()).select_from(PaperBallot)) == 0
    # Outside the voting phase: refused like an online ballot.
    set_phase(world, process, "voting", utcnow() + DAY, utcnow() + 2 * DAY)
    with pytest.raises(ServiceError):
        _enter(world, process, [ids["Bänke"]], first)


def test_a_rejected_entry_stays_on_record_and_never_counts(world: World) -> None:
    process, ids = _budget(world)
    first, second = _clerk(world, "dd.wahl1"), _clerk(world, "dd.wahl2")
    entry = _enter(world, process, [ids["Bänke"]], first)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(InvalidInput):
            paper.reject(db, found, entry, by=second, reason=" ", actor="test")
        rejected = paper.reject(
            db, found, entry, by=second, reason="Kreuz bei Wiese übersehen", actor="test"
        )
        assert rejected.status == "rejected"
    with pytest.raises(Conflict):
        _confirm(world, process, entry, second)
    assert _ballots(world) == 0
    with world.tenant(world.dresden) as db:
        kept = db.get(PaperBallot, entry)
        assert kept is not None
        assert (kept.status, kept.reason, kept.decided_by) == (
            "rejected",
            "Kreuz bei Wiese übersehen",
            second,
        )
        assert db.scalar(
            select(AuditEntry.changes).where(AuditEntry.action == "participation.paper.reject")
        ) == {"process": process.id, "station": "Rathaus Pieschen", "reason": kept.reason}


def test_two_confirmations_at_the_same_moment_count_once(world: World) -> None:
    process, ids = _budget(world)
    first = _clerk(world, "dd.wahl1")
    others = [_clerk(world, f"dd.wahl{n}") for n in range(2, 8)]
    entry = _enter(world, process, [ids["Bänke"]], first)
    errors: list[BaseException] = []
    counted: list[Ballot] = []
    start = threading.Barrier(len(others) * 2)

    def confirm(by: int) -> None:
        try:
            start.wait()
            counted.append(_confirm(world, process, entry, by))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(by,)) for by in others * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Everyone but one is refused (SQLite may refuse a writer while another holds the lock).
    assert len(counted) == 1
    assert all(isinstance(e, ServiceError) for e in errors), errors
    assert _ballots(world) == 1
    with world.tenant(world.dresden) as db:
        kept = db.get(PaperBallot, entry)
        assert kept is not None
        assert kept.status == "counted"
        assert kept.ballot_id == counted[0].id


def test_a_voting_code_votes_once_online_or_on_paper(world: World) -> None:
    process, ids = _budget(world, identification="codes")
    first, second = _clerk(world, "dd.wahl1"), _clerk(world, "dd.wahl2")
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        (_, online), (_, on_paper), (_, raced) = voting.generate_codes(
            db, found, 3, secret=_secret(world), actor="test"
        )

    def cast_online(code: str) -> None:
        with world.tenant(world.dresden) as db:
            found = db.get(Process, process.id)
            assert found is not None
            voting.cast_with_code(db, found, [ids["Bänke"]], code=code, secret=_secret(world))

    # Without a code, or with an unknown one, a paper ballot of a code vote is refused.
    with pytest.raises(InvalidInput) as refused:
        _enter(world, process, [ids["Bänke"]], first)
    assert "code" in refused.value.errors
    # Used online: refused on paper.
    cast_online(online)
    with pytest.raises(InvalidInput) as refused:
        _enter(world, process, [ids["Wiese"]], first, code=online)
    assert "code" in refused.value.errors
    # Handed in on paper: refused online while waiting, and once counted.
    entry = _enter(world, process, [ids["Wiese"]], first, code=on_paper.lower())
    with pytest.raises(InvalidInput) as refused:
        cast_online(on_paper)
    assert refused.value.errors == {"code": voting.CODE_ON_PAPER}
    with pytest.raises(InvalidInput):
        _enter(world, process, [ids["Wiese"]], second, code=on_paper)  # entered twice
    _confirm(world, process, entry, second)
    with pytest.raises(InvalidInput):
        cast_online(on_paper)
    with world.tenant(world.dresden) as db:
        paper_ballot = db.scalar(select(Ballot).where(Ballot.paper.is_(True)))
        assert paper_ballot is not None
        assert paper_ballot.choices == [ids["Wiese"]]  # not replaced by the online attempt
    # Entered on paper, then cast online before the confirmation got to it: it cannot count.
    late = _enter(world, process, [ids["Wiese"]], first, code=raced)
    with world.tenant(world.dresden) as db:
        db.execute(
            update(PaperBallot)
            .where(PaperBallot.id == late)
            .values(status="rejected")  # lets the online vote through, as a race would
        )
    cast_online(raced)
    with world.tenant(world.dresden) as db:
        db.execute(update(PaperBallot).where(PaperBallot.id == late).values(status="pending"))
    with pytest.raises(Conflict):
        _confirm(world, process, late, second)
    with world.tenant(world.dresden) as db:
        kept = db.get(PaperBallot, late)
        assert kept is not None
        assert kept.status == "pending"  # the claim was taken back; a person rejects it
    assert _ballots(world) == 3


def test_the_polling_station_enters_and_a_colleague_confirms_on_the_page(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    _, ids = _budget(world)
    _clerk(world, "dd.wahl1")
    _clerk(world, "dd.wahl2")
    one, two = Browser(new_client()), Browser(new_client())
    assert one.login("dd.wahl1").status_code == 303
    assert two.login("dd.wahl2").status_code == 303
    assert press.get(PAPER).status_code == 403

    missing = one.submit(PAPER, [("station", ""), ("choice", str(ids["Bänke"]))])
    assert missing.status_code == 422
    assert "Bitte nennen Sie das Wahllokal." in main_text(missing)
    entered = one.submit(PAPER, [("station", "Rathaus Pieschen"), ("choice", str(ids["Bänke"]))])
    assert entered.status_code == 303
    with world.tenant(world.dresden) as db:
        entry = db.scalar(select(PaperBallot))
        assert entry is not None
        entry_id = entry.id
    own = main_text(one.get(PAPER))
    assert "wartet auf eine zweite Person" in own
    assert "Sie haben diesen Stimmzettel erfasst" in own
    refused = one.submit(f"{PAPER}/{entry_id}", {"action": "confirm"})
    assert refused.status_code == 403
    assert _ballots(world) == 0
    confirmed = two.submit(f"{PAPER}/{entry_id}", {"action": "confirm"})
    assert confirmed.status_code == 303
    with world.tenant(world.dresden) as db:
        receipt = db.scalar(select(Ballot.receipt))
    assert receipt is not None
    assert receipt in main_text(two.get(PAPER))
    again = two.submit(f"{PAPER}/{entry_id}", {"action": "confirm"})
    assert again.status_code == 409


def test_with_budgets_per_district_a_paper_ballot_counts_in_its_district_only(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    ids = _districts(world, press)
    process = _district_process(world)
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    _clerk(world, "dd.wahl1")
    _clerk(world, "dd.wahl2")
    one, two = Browser(new_client()), Browser(new_client())
    assert one.login("dd.wahl1").status_code == 303
    assert two.login("dd.wahl2").status_code == 303

    form = one.get(DISTRICT_PAPER)
    assert 'name="district"' in form.text
    assert "Neustadt (Abstimmungsregel:" in main_text(form)
    neustadt = ids["district:Neustadt"]
    entered = one.submit(
        DISTRICT_PAPER,
        [
            ("station", "Rathaus Neustadt"),
            ("district", str(neustadt)),
            ("choice", str(ids["Spielplatz"])),
            ("choice", str(ids["Bänke"])),
        ],
    )
    assert entered.status_code == 303, main_text(entered)
    with world.tenant(world.dresden) as db:
        entry = db.scalar(select(PaperBallot))
        assert entry is not None
        assert entry.district_id == neustadt  # the waiting entry carries its district
        entry_id = entry.id
    assert "Stadtteil: Neustadt" in main_text(two.get(DISTRICT_PAPER))
    confirmed = two.submit(f"{DISTRICT_PAPER}/{entry_id}", {"action": "confirm"})
    assert confirmed.status_code == 303
    with world.tenant(world.dresden) as db:
        ballot = db.scalar(select(Ballot))
        assert ballot is not None
        assert (ballot.paper, ballot.district_id) == (True, neustadt)
        receipt = ballot.receipt

    set_phase(world, process, "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    with world.tenant(world.dresden) as db:
        found = services.process_by_slug(db, "stadtteile")
        by_name = {d.name: d for d in districts.districts(db, found)}
        in_neustadt = voting.result(db, found, by_name["Neustadt"])
        in_pieschen = voting.result(db, found, by_name["Pieschen"])
    assert in_neustadt.ballots == 1
    assert {line.project.title for line in in_neustadt.lines if line.votes} == {
        "Spielplatz",
        "Bänke",
    }
    assert in_pieschen.ballots == 0
    pieschen = ids["district:Pieschen"]
    visitor = Browser(new_client())
    assert receipt in main_text(visitor.get(f"{DISTRICT_BASE}/ergebnis?bezirk={neustadt}"))
    assert receipt not in main_text(visitor.get(f"{DISTRICT_BASE}/ergebnis?bezirk={pieschen}"))
    published = visitor.get(f"{DISTRICT_BASE}/stimmzettel.csv?bezirk={neustadt}").text
    assert [row["receipt"] for row in csv.DictReader(io.StringIO(published))] == [receipt]
    elsewhere = visitor.get(f"{DISTRICT_BASE}/stimmzettel.csv?bezirk={pieschen}").text
    assert list(csv.DictReader(io.StringIO(elsewhere))) == []


def test_a_paper_ballot_without_its_district_or_with_a_wrong_one_is_refused(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    ids = _districts(world, press)
    # A district of another process, and a process without districts.
    other, _ = _budget(world, current="review", slug_suffix="2")
    with world.tenant(world.dresden) as db:
        found = db.get(Process, other.id)
        assert found is not None
        foreign = districts.save_district(
            db, found, districts.DistrictInput("Altstadt", 10_000_00), actor="test"
        ).id
    plain, plain_ids = _budget(world)
    process = _district_process(world)
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    clerk = _clerk(world, "dd.wahl1")
    neustadt, pieschen = ids["district:Neustadt"], ids["district:Pieschen"]

    def enter(choices: list[int], district_id: int | None, on: Process = process) -> None:
        with world.tenant(world.dresden) as db:
            found = db.get(Process, on.id)
            assert found is not None
            paper.enter(
                db,
                found,
                choices,
                station="Rathaus Neustadt",
                entered_by=clerk,
                actor="test",
                secret=_secret(world),
                district_id=district_id,
            )

    for choices, district_id, field in (
        ([ids["Bänke"]], None, "district"),  # no district
        ([ids["Bänke"]], foreign, "district"),  # another process's
        ([ids["Bänke"]], 999_999, "district"),
        ([ids["Elbwiese"]], neustadt, "choices"),  # Pieschen's project on Neustadt's ballot
        ([ids["Spielplatz"], ids["Brunnen"]], neustadt, "choices"),  # over Neustadt's budget
        ([ids["Elbwiese"], ids["Radbügel"]], pieschen, "choices"),  # Pieschen allows one
    ):
        with pytest.raises(InvalidInput) as refused:
            enter(choices, district_id)
        assert field in refused.value.errors, (choices, district_id)
    # Without budgets per district, naming one is refused too.
    with pytest.raises(InvalidInput) as refused:
        enter([plain_ids["Bänke"]], neustadt, on=plain)
    assert "district" in refused.value.errors

    one = Browser(new_client())
    assert one.login("dd.wahl1").status_code == 303
    assert 'name="district"' not in one.get(PAPER).text  # the process without districts
    ballot = [("station", "Rathaus Neustadt"), ("choice", str(ids["Bänke"]))]
    missing = one.submit(DISTRICT_PAPER, ballot)
    assert missing.status_code == 422
    assert "Bitte wählen Sie den Stadtteil, zu dessen Budget der Stimmzettel gehört." in (
        main_text(missing)
    )
    for wrong in (str(foreign), "abc"):
        refused_page = one.submit(DISTRICT_PAPER, [*ballot, ("district", wrong)])
        assert refused_page.status_code == 422
        assert "Diesen Stadtteil gibt es in diesem Verfahren nicht." in main_text(refused_page)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(PaperBallot)) == 0
        assert db.scalar(select(func.count()).select_from(Ballot)) == 0

    # An entry that lost its district (as by hand in the database) is not counted anywhere.
    entry = _enter_in(world, process, [ids["Bänke"]], clerk, neustadt)
    with world.tenant(world.dresden) as db:
        db.execute(update(PaperBallot).where(PaperBallot.id == entry).values(district_id=None))
    with pytest.raises(InvalidInput) as refused:
        _confirm(world, process, entry, _clerk(world, "dd.wahl2"))
    assert refused.value.detail == paper.ENTRY_WITHOUT_DISTRICT
    assert _ballots(world) == 0


def _enter_in(world: World, process: Process, choices: list[int], by: int, district_id: int) -> int:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        return paper.enter(
            db,
            found,
            choices,
            station="Rathaus Neustadt",
            entered_by=by,
            actor="test",
            secret=_secret(world),
            district_id=district_id,
        ).id


def _timeline(world: World, process: Process, results_in: timedelta) -> None:
    """Voting ended yesterday; the results phase starts `results_in` from now."""
    with world.tenant(world.dresden) as db:
        for phase in db.query(Phase).filter(Phase.process_id == process.id):
            db.delete(phase)
        db.flush()
        now = utcnow()
        db.add(
            Phase(process_id=process.id, kind="voting", starts_at=now - 3 * DAY, ends_at=now - DAY)
        )
        db.add(
            Phase(
                process_id=process.id,
                kind="results",
                starts_at=now + results_in,
                ends_at=now + results_in + 30 * DAY,
            )
        )


def _final(world: World, process: Process) -> bool:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        return services.result_final(db, found)


def _published(world: World) -> str:
    """The open-data table of the results, as text."""
    with world.tenant(world.dresden) as db:
        table = installed_modules().datasets()["participation.buergerhaushalt-ergebnisse"].table
        assert table is not None
        return repr(table(db, world.dresden, utcnow()).rows)


def test_polling_stations_count_after_voting_closed_and_the_result_is_provisional_meanwhile(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process, ids = _budget(world)
    first, second = _clerk(world, "dd.wahl1"), _clerk(world, "dd.wahl2")
    _timeline(world, process, DAY)  # voting is over, the count runs until tomorrow
    clerk, other_clerk = Browser(new_client()), Browser(new_client())
    assert clerk.login("dd.wahl1").status_code == 303
    assert other_clerk.login("dd.wahl2").status_code == 303
    assert "Stimmzettel erfassen" in main_text(clerk.get(PAPER))  # the form is still there
    entered = clerk.submit(
        PAPER, [("station", "Rathaus Pieschen"), ("choice", str(ids["Spielplatz"]))]
    )
    assert entered.status_code == 303
    with world.tenant(world.dresden) as db:
        entry = db.scalars(select(PaperBallot.id)).one()
    late = _enter(world, process, [ids["Bänke"]], first)
    visitor = Browser(new_client())
    page = visitor.get(f"{BASE}/ergebnis")
    assert page.status_code == 200
    assert "Vorläufiges Ergebnis." in main_text(page)
    assert visitor.get(f"{API}/result").json()["final"] is False
    assert visitor.get(f"{BASE}/ergebnis.csv").status_code == 409
    assert "haushalt" not in _published(world)  # not released as open data yet
    ballot = _confirm(world, process, entry, second)
    assert ballot.paper

    # The results phase starts: nothing more is entered; the waiting entry can still be
    # decided, and until it is the result stays provisional.
    _timeline(world, process, -HOUR)
    with pytest.raises(ServiceError):
        _enter(world, process, [ids["Bänke"]], first)
    closed = main_text(other_clerk.get(PAPER))
    assert "bis zum Ende der Auszählung erfasst werden" in closed
    assert "Stimmzettel erfassen" not in closed
    assert "Bestätigen: Die Eingabe stimmt mit dem Stimmzettel überein" in closed
    assert not _final(world, process)
    assert "Vorläufiges Ergebnis." in main_text(visitor.get(f"{BASE}/ergebnis"))
    _confirm(world, process, late, second)
    assert _final(world, process)
    page = visitor.get(f"{BASE}/ergebnis")
    assert "Vorläufiges" not in main_text(page)
    result = visitor.get(f"{API}/result").json()
    assert result["final"] is True
    assert result["ballots"] == 2
    assert visitor.get(f"{BASE}/ergebnis.csv").status_code == 200
    assert "haushalt" in _published(world)
    # Once final, nothing is decided any more (there is nothing waiting).
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(Conflict):
            paper.reject(db, found, late, by=second, reason="zu spät", actor="test")


def test_an_entry_of_a_deleted_account_is_decided_by_any_other_and_never_by_its_enterer(
    world: World,
) -> None:
    process, ids = _budget(world)
    first, second = _clerk(world, "dd.wahl1"), _clerk(world, "dd.wahl2")
    orphan = _enter(world, process, [ids["Bänke"]], first)
    with world.tenant(world.dresden) as db:  # the enterer's account was deleted
        db.execute(update(PaperBallot).where(PaperBallot.id == orphan).values(entered_by=None))
    assert _confirm(world, process, orphan, second).paper

    own = _enter(world, process, [ids["Spielplatz"]], first)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(PermissionDenied):
            paper.reject(db, found, own, by=first, reason="vertippt", actor="test")
        assert paper.reject(db, found, own, by=second, reason="vertippt", actor="test")
        with pytest.raises(Conflict):
            paper.reject(db, found, own, by=second, reason="nochmal", actor="test")
