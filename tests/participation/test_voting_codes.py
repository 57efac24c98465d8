"""One-time voting codes for residents without the citizen login: generated for the print
shop (kept only as keyed hashes), redeemed for one ballot that its holder can change until
voting closes — also when the same code is sent from many requests at once — and refused when
unknown, of another process, after voting closed, or in a vote that takes the login."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, ServiceError
from smartcity.participation import services, voting
from smartcity.participation.models import Ballot, Process, VotingCode
from tests.conftest import World
from tests.participation.conftest import DAY, set_phase
from tests.participation.test_voting import BASE, _budget
from tests.web.conftest import Browser, main_text


def _coded(world: World) -> tuple[Process, dict[str, int]]:
    process, ids = _budget(world, identification="codes")
    return process, ids


def _secret(world: World) -> str:
    return world.platform.settings.require_secret_key()


def _generate(world: World, process: Process, count: int) -> list[tuple[int, str]]:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        return voting.generate_codes(db, found, count, secret=_secret(world), actor="test")


def _cast(world: World, process: Process, choices: list[int], code: str) -> Ballot:
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        ballot = voting.cast_with_code(db, found, choices, code=code, secret=_secret(world))
        db.expunge(ballot)
        return ballot


def test_codes_are_generated_once_and_kept_only_as_hashes(world: World) -> None:
    process, _ = _coded(world)
    first = _generate(world, process, 3)
    more = _generate(world, process, 2)
    assert [serial for serial, _ in first + more] == [1, 2, 3, 4, 5]
    codes = [code for _, code in first + more]
    assert len(set(codes)) == 5
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    with world.tenant(world.dresden) as db:
        stored = list(db.scalars(select(VotingCode.code_hash)))
        assert not any(code.replace("-", "") in h for code in codes for h in stored)
        entries = list(
            db.scalars(
                select(AuditEntry).where(AuditEntry.action == "participation.codes.generate")
            )
        )
        assert [e.changes["serials"] for e in entries] == ["1-3", "4-5"]
        assert not any(code in str(e.changes) for e in entries for code in codes)
        found = db.get(Process, process.id)
        assert found is not None
        assert voting.code_turnout(db, found) == (5, 0)


def test_a_code_gives_one_ballot_that_its_holder_can_change(world: World) -> None:
    process, ids = _coded(world)
    [(_, code)] = _generate(world, process, 1)
    first = _cast(world, process, [ids["Spielplatz"]], code)
    # Typed in lower case with spaces instead of dashes: the same code.
    again = _cast(world, process, [ids["Bänke"], ids["Wiese"]], code.lower().replace("-", " "))
    assert again.receipt == first.receipt
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 1
        assert db.scalar(select(Ballot.choices)) == sorted([ids["Bänke"], ids["Wiese"]])
        found = db.get(Process, process.id)
        assert found is not None
        assert voting.code_turnout(db, found) == (1, 1)


def test_one_code_sent_from_many_requests_at_once_leaves_one_ballot(world: World) -> None:
    process, ids = _coded(world)
    [(_, code)] = _generate(world, process, 1)
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def vote(number: int) -> None:
        choice = list(ids.values())[number % len(ids)]
        try:
            start.wait()
            _cast(world, process, [choice], code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # SQLite may refuse a writer while another holds the lock; none may double the ballot.
    assert all(isinstance(e, ServiceError) for e in errors), errors
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 1


def test_bad_codes_are_refused_and_change_nothing(world: World) -> None:
    process, ids = _coded(world)
    [(_, code)] = _generate(world, process, 1)
    other, _ = _budget(world, identification="codes", slug_suffix="-zwei")
    [(_, foreign)] = _generate(world, other, 1)
    for wrong in ("AAAA-BBBB-CCCC-DDDD", "kurz", foreign, ""):
        with pytest.raises(InvalidInput, match="not valid for this vote"):
            _cast(world, process, [ids["Bänke"]], wrong)
    with pytest.raises(InvalidInput, match="more than the budget"):
        _cast(world, process, list(ids.values()), code)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 0
        found = db.get(Process, process.id)
        assert found is not None
        assert voting.code_turnout(db, found) == (1, 0)


def test_after_voting_closed_a_code_is_refused_and_no_more_are_made(world: World) -> None:
    process, ids = _coded(world)
    [(_, code)] = _generate(world, process, 1)
    set_phase(world, process, "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    with pytest.raises(services.PhaseClosed):
        _cast(world, process, [ids["Bänke"]], code)
    with pytest.raises(Conflict, match="Voting has closed"):
        _generate(world, process, 1)


def test_login_and_codes_do_not_mix(world: World) -> None:
    process, ids = _coded(world)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(InvalidInput, match="voting code from your letter"):
            voting.cast(
                db, found, [ids["Bänke"]], citizen_subject="https://id.example|a", secret="s" * 40
            )
    login_process, login_ids = _budget(world, slug_suffix="-login")
    [(_, code)] = _generate(world, login_process, 1)
    with pytest.raises(InvalidInput, match="citizen login, not a voting code"):
        _cast(world, login_process, [login_ids["Bänke"]], code)


def test_how_voters_identify_is_frozen_once_voting_started(world: World) -> None:
    process, _ = _coded(world)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(services.RulesFrozen):
            services.change_rules(
                db,
                found,
                rule=found.rule,
                max_choices=found.max_choices,
                tie_break=found.tie_break,
                budget_cents=found.budget_cents,
                identification="login",
                actor="test",
            )


def test_a_resident_votes_with_the_code_from_the_letter_without_signing_in(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process, ids = _coded(world)
    [(_, code)] = _generate(world, process, 1)
    browser = Browser(new_client())
    page = browser.get(f"{BASE}/abstimmung")
    assert page.status_code == 200
    assert "Abstimmungscode aus Ihrem Brief" in main_text(page)
    assert 'autocapitalize="characters"' in page.text
    assert "/citizen/login" not in page.text  # no sign-in asked for

    wrong = browser.submit(
        f"{BASE}/abstimmung",
        [("code", "AAAA-BBBB-CCCC-DDDD"), ("choice", str(ids["Bänke"])), ("action", "cast")],
    )
    assert wrong.status_code == 422
    assert "Dieser Abstimmungscode gilt nicht für diese Abstimmung." in main_text(wrong)
    assert 'aria-invalid="true"' in wrong.text or "kern-form-input__input--error" in wrong.text

    check = browser.submit(
        f"{BASE}/abstimmung",
        [("code", code), ("choice", str(ids["Bänke"])), ("action", "check")],
    )
    assert check.status_code == 200
    assert f'value="{code}"' in check.text  # kept while the voter checks the sum

    cast = browser.submit(
        f"{BASE}/abstimmung",
        [("code", code), ("choice", str(ids["Bänke"])), ("action", "cast")],
    )
    assert cast.status_code == 200
    assert "Ihr Stimmzettel wurde gezählt." in main_text(cast)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Ballot.choices)) == [ids["Bänke"]]


def test_the_office_switches_to_codes_and_downloads_them_for_the_print_shop(
    world: World, press: Browser
) -> None:
    process, _ = _budget(world, current="review")
    staff = f"/dresden/verwaltung/beteiligung/{process.slug}"
    saved = press.submit(
        f"{staff}/regeln",
        {
            "rule": "knapsack",
            "max_choices": "3",
            "tie_break": "lower_cost",
            "budget": "80000",
            "identification": "codes",
        },
    )
    assert saved.status_code == 303, saved.text
    page = press.get(staff)
    assert "Abstimmungscodes" in main_text(page)
    refused = press.submit(f"{staff}/abstimmungscodes", {"count": "0"})
    assert refused.status_code == 422
    assert "zwischen 1 und 200.000 Codes" in main_text(refused)
    download = press.submit(f"{staff}/abstimmungscodes", {"count": "3"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="abstimmungscodes-haushalt-1-3.csv"' in download.headers["content-disposition"]
    rows = download.text.strip().splitlines()
    assert rows[0] == "serial;code"
    assert [r.split(";")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert "3 Codes ausgegeben, 0 Stimmzettel abgegeben." in main_text(press.get(staff))
