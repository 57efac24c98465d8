"""The voting rules beyond approval and knapsack: N supports (several to one project), a
knapsack's minimum share of the budget, and partial funding of the next project — set by the
office, frozen once voting starts, used on the voting and result pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.participation.models import Ballot
from tests.conftest import World
from tests.participation.conftest import DAY, citizen_browser, set_phase
from tests.participation.test_voting import BASE, _budget
from tests.web.conftest import Browser, main_text


def test_supports_are_given_per_project_and_counted_each(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process, ids = _budget(world, rule="supports", max_choices=3, partial_funding=True)
    anna = citizen_browser(new_client, world, "anna")
    page = anna.get(f"{BASE}/abstimmung")
    assert f'name="support-{ids["Wiese"]}"' in page.text
    assert "höchstens 3 Unterstützungen" in main_text(page)

    over = anna.submit(
        f"{BASE}/abstimmung",
        [(f"support-{ids['Wiese']}", "3"), (f"support-{ids['Bänke']}", "1"), ("action", "cast")],
    )
    assert over.status_code == 422
    assert "mehr Unterstützungen vergeben, als die Abstimmungsregel erlaubt" in main_text(over)

    checked = anna.submit(
        f"{BASE}/abstimmung",
        [(f"support-{ids['Wiese']}", "2"), (f"support-{ids['Bänke']}", "1"), ("action", "check")],
    )
    assert "Vergebene Unterstützungen: 3 von 3." in main_text(checked)
    cast = anna.submit(
        f"{BASE}/abstimmung",
        [(f"support-{ids['Bänke']}", "2"), (f"support-{ids['Wiese']}", "1"), ("action", "cast")],
    )
    assert cast.status_code == 200, main_text(cast)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Ballot.choices)) == sorted(
            [ids["Bänke"], ids["Bänke"], ids["Wiese"]]
        )
    ben = citizen_browser(new_client, world, "ben")
    assert (
        ben.submit(
            f"{BASE}/abstimmung", [(f"support-{ids['Spielplatz']}", "3"), ("action", "cast")]
        ).status_code
        == 200
    )

    set_phase(world, process, "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    result = main_text(anna.get(f"{BASE}/ergebnis"))
    # Of 80,000 €: the Spielplatz (3 supports, 50,000 €) and the Bänke (2, 20,000 €) are
    # funded; the Wiese (1, 30,000 €) no longer fits and gets the remaining 10,000 €.
    assert "teilweise: 10 000,00 €" in result
    assert "Das erste Projekt, das nicht mehr passt, erhält den Rest des Budgets." in result


def test_the_office_sets_a_minimum_share_and_it_is_enforced(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    _budget(world, current="review")
    staff = "/dresden/verwaltung/beteiligung/haushalt"
    refused = press.submit(
        f"{staff}/regeln",
        {
            "rule": "knapsack",
            "max_choices": "3",
            "tie_break": "lower_cost",
            "budget": "80000",
            "identification": "login",
            "min_share_percent": "150",
            "partial_funding": "no",
        },
    )
    assert refused.status_code == 422
    assert "zwischen 0 und 100 Prozent" in main_text(refused)
    saved = press.submit(
        f"{staff}/regeln",
        {
            "rule": "knapsack",
            "max_choices": "3",
            "tie_break": "lower_cost",
            "budget": "80000",
            "identification": "login",
            "min_share_percent": "50",
            "partial_funding": "yes",
        },
    )
    assert saved.status_code == 303, main_text(saved)


def test_bad_supports_are_refused_with_a_message_and_change_nothing(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _, ids = _budget(world, rule="supports", max_choices=100)
    _, foreign = _budget(world, rule="supports", slug_suffix="-zwei")
    anna = citizen_browser(new_client, world, "anna")
    wiese = f"support-{ids['Wiese']}"
    for sent, message in (
        # A number too long for Python to read, and one just over the rule's 100.
        ([(wiese, "9" * 5000)], "mehr Unterstützungen vergeben, als die Abstimmungsregel"),
        ([(wiese, "101")], "mehr Unterstützungen vergeben, als die Abstimmungsregel"),
        ([(wiese, "60"), (f"support-{ids['Bänke']}", "41")], "mehr Unterstützungen vergeben"),
        # A project of another process, and an id that is no number.
        ([(f"support-{foreign['Wiese']}", "1")], "nicht auf dem Stimmzettel"),
        ([("support-x", "1")], "nicht auf dem Stimmzettel"),
        ([(wiese, "-1"), (wiese, "eins")], "mindestens ein Projekt"),
    ):
        refused = anna.submit(f"{BASE}/abstimmung", [*sent, ("action", "cast")])
        assert refused.status_code == 422, sent[0][1][:10]
        assert message in main_text(refused)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Ballot.id)) is None
    # The whole hundred on one project is what the rule allows.
    allowed = anna.submit(f"{BASE}/abstimmung", [(wiese, "100"), ("action", "cast")])
    assert allowed.status_code == 200, main_text(allowed)
