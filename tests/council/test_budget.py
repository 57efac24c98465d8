"""The budget deliberation: the council office imports the budget plan from CSV (a file with bad
rows stores nothing and names every row), files the factions' amendments as papers (on the
portal, in OParl, deliberated and decided like every paper), marks the budget adopted, and the
adopted budget is open data. Another municipality sees none of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.errors import InvalidInput
from smartcity.core.portal import Portal
from smartcity.council import budget as budgets
from smartcity.council import services
from smartcity.council.demo import Seeded, seed_council
from smartcity.council.demo_budget import AMENDMENTS, PLAN, seed_budget
from smartcity.council.models import AgendaItem, Consultation, Paper
from smartcity.council.models_budget import Amendment, Budget, BudgetAmount, BudgetLine
from smartcity.council.open_data import budget_lines
from smartcity.council.permissions import COUNCIL_OFFICE
from smartcity.council.session import demo as session_demo
from smartcity.modules import installed_modules
from smartcity.opendata import guard
from tests.conftest import World
from tests.council.conftest import add_staff, fetch
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/ratsinfo/haushalt"
PORTAL = "/dresden/ratsinfo/haushalt"
HEADER = "Produktbereich;Produktgruppe;Produkt-Nr.;Bezeichnung;Ansatz 2027;Ansatz 2028"
GOOD = "\r\n".join(
    (
        HEADER,
        "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.01;Gemeindeorgane;"
        "1.234.500,00;1.250.000",
        "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.02;Digitalisierung;800000;",
        "54 Verkehrsflächen;54.1 Gemeindestraßen;54.1.02;Radwege;380.000;-2.500,5",
    )
)


def csv_file(text: str, encoding: str = "cp1252") -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("haushalt.csv", text.encode(encoding), "text/csv")}


def import_plan(office: Browser, text: str = GOOD, title: str = "Haushalt 2027/2028") -> int:
    response = office.submit(STAFF, {"title": title}, files=csv_file(text))
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[-1].split("?")[0])


def counts(world: World) -> tuple[int, int, int, int]:
    with world.tenant(world.dresden) as db:
        return tuple(  # type: ignore[return-value]
            db.scalar(select(func.count()).select_from(model)) or 0
            for model in (Budget, BudgetLine, BudgetAmount, Amendment)
        )


def amend(office: Browser, budget_id: int, line_id: int, faction_id: int, **changes: str) -> int:
    response = office.submit(
        f"{STAFF}/{budget_id}/antrag",
        {
            "line": str(line_id),
            "faction": str(faction_id),
            "reason": "Der Radweg am Elbufer soll früher gebaut werden.",
            **changes,
        },
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("eingereicht=")[1])


def line_of(world: World, number: str) -> BudgetLine:
    with world.tenant(world.dresden) as db:
        line: BudgetLine | None = db.scalar(select(BudgetLine).where(BudgetLine.number == number))
        assert line is not None
        db.expunge(line)
        return line


def test_amounts_are_read_as_a_german_plan_writes_them() -> None:
    assert budgets.parse_amount("1.234.567,89") == 123_456_789
    assert budgets.parse_amount(" -2.500,5 € ") == -250_050
    assert budgets.parse_amount("800000") == 80_000_000
    assert budgets.parse_amount("") == budgets.parse_amount("-") == 0
    for wrong in ("1.234,567", "12.34", "1,234.00", "zehn", "1.23.456"):
        with pytest.raises(ValueError, match=r"."):
            budgets.parse_amount(wrong)
    assert budgets.money(123_456_789, language="de") == "1.234.567,89 €"
    assert budgets.money(-2_500_000, language="en") == "-€25,000"
    assert budgets.money(15_000_000, sign=True, language="de") == "+150.000 €"


def test_the_office_imports_the_plan_and_the_portal_shows_it_by_product_group(
    world: World, council: Seeded, office: Browser, client: TestClient
) -> None:
    budget_id = import_plan(office)
    assert counts(world) == (1, 3, 6, 0)
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "Haushalt 2027/2028" in page
    assert "Entwurf: Der Stadtrat berät diesen Haushalt." in page
    assert "11 Innere Verwaltung: Ansätze je Jahr" in page  # the table's caption
    assert "11.1 Verwaltungssteuerung" in page
    assert "54.1 Gemeindestraßen" in page
    assert "Gemeindeorgane 1.234.500 € 1.250.000 €" in page
    assert "Digitalisierung 800.000 € 0 €" in page
    assert "Radwege 380.000 € -2.500,50 €" in page
    assert "Summe des Produktbereichs 2.034.500 € 1.250.000 €" in page
    english = main_text(client.get(f"{PORTAL}/{budget_id}?lang=en"))
    assert "Planned 2027" in english
    assert "€1,234,500" in english
    # Accessible tables that scroll in their own box on a phone, no script.
    html = client.get(f"{PORTAL}/{budget_id}").text
    assert html.count("<caption") == 2  # two product areas (no amendments yet)
    assert 'class="table-scroll" tabindex="0" role="region"' in html
    assert '<th scope="rowgroup"' in html
    assert '<th scope="col"' in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    # A chart of the areas (server-side SVG, the tables are its text alternative).
    assert '<svg role="img" aria-labelledby="diagramm-titel"' in html
    assert "Ansätze 2027 nach Produktbereichen" in page
    listing = main_text(client.get(f"{PORTAL}?lang=de"))
    assert "Haushalt 2027/2028" in listing
    assert "Entwurf" in listing


def test_a_file_with_bad_rows_imports_nothing_and_names_every_row(
    world: World, council: Seeded, office: Browser
) -> None:
    bad = "\r\n".join(
        (
            HEADER,
            "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.01;Gemeindeorgane;1.234,567;0",
            "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.01;Doppelt;1;2",
            ";11.1 Verwaltungssteuerung;11.1.03;Ohne Bereich;1;2",
            "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.04;Gut;1;2",
            "zu kurz;1",
        )
    )
    response = office.submit(STAFF, {"title": "Haushalt"}, files=csv_file(bad))
    assert response.status_code == 422
    text = main_text(response)
    assert "Zeile 2: „Ansatz 2027“ ist kein Betrag in Euro (z. B. 1.234.567,89)." in text
    assert "Zeile 3: die Produktnummer 11.1.01 steht schon in Zeile 2." not in text  # row 2 bad
    assert "Zeile 4: „Produktbereich“ ist leer." in text
    assert "Zeile 5" not in text
    assert "Zeile 6: Sie hat 2 statt 6 Spalten." in text
    assert counts(world) == (0, 0, 0, 0)

    duplicate = "\r\n".join((HEADER, GOOD.split("\r\n")[1], GOOD.split("\r\n")[1]))
    response = office.submit(STAFF, {"title": "Haushalt"}, files=csv_file(duplicate))
    assert response.status_code == 422
    assert "Zeile 3: die Produktnummer 11.1.01 steht schon in Zeile 2." in main_text(response)

    missing = "Bereich;Produkt-Nr.;Bezeichnung;Ansatz 2027\r\nx;1;y;2"
    response = office.submit(STAFF, {"title": "Haushalt"}, files=csv_file(missing))
    assert response.status_code == 422
    assert "fehlen die Spalten „Produktbereich“, „Produktgruppe“" in main_text(response)

    gap = GOOD.replace("Ansatz 2028", "Ansatz 2030")
    response = office.submit(STAFF, {"title": "Haushalt"}, files=csv_file(gap))
    assert response.status_code == 422
    assert "müssen aufeinander folgen" in main_text(response)

    response = office.submit(STAFF, {"title": ""}, files=csv_file(GOOD))
    assert response.status_code == 422
    assert "Bitte geben Sie einen Titel ein" in main_text(response)

    large = GOOD + "\r\n" + " " * budgets.MAX_BYTES
    response = office.submit(STAFF, {"title": "Haushalt"}, files=csv_file(large))
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in main_text(response)

    response = office.submit(STAFF, {"title": "Haushalt"})
    assert response.status_code == 422
    assert "Die Datei ist leer." in main_text(response)
    assert counts(world) == (0, 0, 0, 0)


def test_a_draft_is_replaced_by_a_new_import_and_keeps_its_amendments(
    world: World, council: Seeded, office: Browser, client: TestClient
) -> None:
    budget_id = import_plan(office)
    radwege = line_of(world, "54.1.02")
    amend(office, budget_id, radwege.id, council.factions[1].id, change_2027="150.000")

    # The amended line must stay: a file without it changes nothing.
    without = "\r\n".join(GOOD.split("\r\n")[:3])
    response = office.submit(f"{STAFF}/{budget_id}", files=csv_file(without))
    assert response.status_code == 422
    assert "Zum Produkt 54.1.02 gibt es Änderungsanträge" in main_text(response)
    assert counts(world) == (1, 3, 6, 1)

    replaced = "\r\n".join(
        (
            HEADER,
            "11 Innere Verwaltung;11.1 Verwaltungssteuerung;11.1.01;Gemeindeorgane;1.300.000;1",
            "54 Verkehrsflächen;54.1 Gemeindestraßen;54.1.02;Radwege und Fußwege;400.000;0",
        )
    )
    response = office.submit(f"{STAFF}/{budget_id}", files=csv_file(replaced, "utf-8-sig"))
    assert response.status_code == 303
    assert counts(world) == (1, 2, 4, 1)
    assert line_of(world, "54.1.02").id == radwege.id  # the amendment stays with its line
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "Digitalisierung" not in page
    assert "Radwege und Fußwege 400.000 €" in page
    assert "Gemeindeorgane 1.300.000 €" in page


def test_amendments_are_filed_as_papers_of_the_faction_and_decided_like_papers(
    world: World, council: Seeded, office: Browser, client: TestClient
) -> None:
    budget_id = import_plan(office)
    radwege, organs = line_of(world, "54.1.02"), line_of(world, "11.1.01")
    green, free = council.factions[1], council.factions[2]
    first = amend(office, budget_id, radwege.id, green.id, change_2027="150.000")
    second = amend(office, budget_id, organs.id, free.id, change_2028="-20.000,50")

    with world.tenant(world.dresden) as db:
        paper = db.get(Paper, first)
        assert paper is not None
        assert paper.paper_type == "Änderungsantrag"
        assert paper.public
        assert paper.originator_organization_id == green.id
        assert paper.reference == "ÄA 2027/001"
        assert "Radwege" in paper.name
    # The paper is on the portal and in OParl, with its faction as originator.
    assert "Änderungsantrag" in main_text(client.get(f"/dresden/ratsinfo/vorlagen/{first}"))
    listed = fetch(client, "/dresden/oparl/v1.1/paper", limit="500")
    found = next(p for p in listed["data"] if p["id"].endswith(f"/paper/{first}"))
    assert found["paperType"] == "Änderungsantrag"
    assert any(o.endswith(f"/organization/{green.id}") for o in found["originatorOrganization"])

    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "Radwege 380.000 € -2.500,50 € 1 Änderungsantrag" in page
    assert f"ÄA 2027/001 {green.name} +150.000 € – eingereicht" in page
    assert f"ÄA 2027/002 {free.name} – -20.000,50 € eingereicht" in page
    assert "Der Radweg am Elbufer soll früher gebaut werden." in page
    assert "Begründung" in page  # the column's header (other catalogues say "Grund")
    # The chart of the amendments: the changes of the first year, the table its alternative.
    html = client.get(f"{PORTAL}/{budget_id}").text
    chart = html[html.index('aria-labelledby="diagramm-antraege"') :]
    chart = chart[: chart.index("</svg>")]
    assert "Änderungen der Anträge für 2027" in chart
    assert f"ÄA 2027/001 · {green.name}" in chart
    assert "+150.000 €" in chart
    assert "ÄA 2027/002" not in chart  # it changes 2028 only

    # Deliberated: on a public agenda item, then decided (the result the session writes).
    meeting = council.meetings[0]
    with world.tenant(world.dresden) as db:
        item = services.create(
            db, AgendaItem(meeting_id=meeting.id, order=9, name="Änderungsanträge"), actor="t"
        )
        for paper_id in (first, second):
            services.create(
                db,
                Consultation(paper_id=paper_id, agenda_item_id=item.id, authoritative=True),
                actor="t",
            )
        item_id = item.id
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert f"{green.name} +150.000 € – in Beratung" in page
    with world.tenant(world.dresden) as db:
        row = db.get(AgendaItem, item_id)
        assert row is not None
        services.change(db, row, {"result": "angenommen"}, actor="t")
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert f"{green.name} +150.000 € – angenommen" in page
    assert "adopted" in main_text(client.get(f"{PORTAL}/{budget_id}?lang=en"))

    # A paper the office withdraws from the public leaves the portal's budget page.
    with world.tenant(world.dresden) as db:
        hidden = db.get(Paper, second)
        assert hidden is not None
        services.change(db, hidden, {"public": False}, actor="t")
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "ÄA 2027/002" not in page
    assert "ÄA 2027/002" in main_text(office.get(f"{STAFF}/{budget_id}"))


def test_a_bad_amendment_is_refused_and_files_no_paper(
    world: World, council: Seeded, office: Browser
) -> None:
    budget_id = import_plan(office)
    radwege = line_of(world, "54.1.02")
    with world.tenant(world.dresden) as db:
        papers = db.scalar(select(func.count()).select_from(Paper))
    form = office.get(f"{STAFF}/{budget_id}/antrag?zeile={radwege.id}")
    assert form.status_code == 200
    assert "Änderung 2028 (Euro)" in form.text
    committee, faction = str(council.committees[0].id), str(council.factions[0].id)
    cases = (
        ({"faction": committee, "change_2027": "1"}, "Bitte wählen Sie eine Fraktion."),
        ({"faction": faction, "change_2027": "12.34"}, "Bitte geben Sie einen Betrag in Euro"),
        ({"faction": faction}, "für mindestens ein Jahr eine Änderung"),
        ({"faction": faction, "change_2027": "1", "reason": ""}, "Bitte begründen Sie"),
        ({"faction": faction, "change_2027": "1", "line": "999999"}, "Bitte wählen Sie eine Pos"),
    )
    for fields, message in cases:
        data = {"line": str(radwege.id), "reason": "Begründung", **fields}
        response = office.submit(f"{STAFF}/{budget_id}/antrag", data)
        assert response.status_code == 422, fields
        assert message in main_text(response), fields
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Paper)) == papers
        assert db.scalar(select(func.count()).select_from(Amendment)) == 0


def test_the_adopted_budget_is_shown_and_published_as_open_data(
    world: World, council: Seeded, office: Browser, client: TestClient
) -> None:
    budget_id = import_plan(office)
    radwege = line_of(world, "54.1.02")
    adopted = amend(office, budget_id, radwege.id, council.factions[1].id, change_2027="150.000")
    amend(office, budget_id, radwege.id, council.factions[0].id, change_2027="-380.000")
    dataset = installed_modules().datasets()["council.haushaltsplan"]
    assert dataset.table is budget_lines
    with world.tenant(world.dresden) as db:
        assert budget_lines(db, world.dresden, utcnow()).rows == []  # a draft is not released
        item = services.create(
            db,
            AgendaItem(meeting_id=council.meetings[0].id, name="Haushalt", result="angenommen"),
            actor="t",
        )
        services.create(db, Consultation(paper_id=adopted, agenda_item_id=item.id), actor="t")

    response = office.submit(f"{STAFF}/{budget_id}/beschluss", {"adopted_on": "2026-12-10"})
    assert response.status_code == 303
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "Vom Stadtrat beschlossen am 10.12.2026." in page
    assert "Ansatz 2027 Beschlossen 2027" in page
    assert "Radwege 380.000 € 530.000 € -2.500,50 € -2.500,50 €" in page

    # Adopted: neither imported again nor amended.
    response = office.submit(f"{STAFF}/{budget_id}", files=csv_file(GOOD))
    assert response.status_code == 422
    assert "Ein beschlossener Haushalt kann nicht ersetzt werden." in main_text(response)
    response = office.submit(
        f"{STAFF}/{budget_id}/antrag",
        {"line": str(radwege.id), "faction": str(council.factions[0].id), "change_2027": "1"},
    )
    assert response.status_code == 422
    assert counts(world)[3] == 2

    with world.tenant(world.dresden) as db:
        table = budget_lines(db, world.dresden, utcnow())
    columns = [c.name for c in table.columns]
    rows = [dict(zip(columns, row, strict=True)) for row in table.rows]
    assert len(rows) == 6  # three lines, two years
    radweg = next(r for r in rows if r["produkt_nr"] == "54.1.02" and r["jahr"] == 2027)
    assert radweg["ansatz_eur"] == 380_000.0
    assert radweg["aenderungen_eur"] == 150_000.0  # the rejected-or-open one does not count
    assert radweg["beschlossen_eur"] == 530_000.0
    assert radweg["produktgruppe"] == "54.1 Gemeindestraßen"
    # Products and sums only: no reasons, no names of people.
    released = guard.release(table, about_people=False, min_persons=0)
    csv_text = guard.to_csv(released).decode()
    assert "Elbufer" not in csv_text
    assert "Fraktion" not in csv_text
    assert csv_text.startswith("haushalt,beschlossen_am,jahr,produktbereich")

    # The adopted budget holds what was adopted: a result edited afterwards does not move it.
    with world.tenant(world.dresden) as db:
        services.change(db, db.get(AgendaItem, item.id), {"result": "abgelehnt"}, actor="t")
    page = main_text(client.get(f"{PORTAL}/{budget_id}"))
    assert "Radwege 380.000 € 530.000 €" in page
    with world.tenant(world.dresden) as db:
        table = budget_lines(db, world.dresden, utcnow())
    rows = [dict(zip(columns, row, strict=True)) for row in table.rows]
    radweg = next(r for r in rows if r["produkt_nr"] == "54.1.02" and r["jahr"] == 2027)
    assert radweg["beschlossen_eur"] == 530_000.0


def test_only_the_council_office_keeps_the_budget(
    world: World, council: Seeded, office: Browser, councillor: Browser, client: TestClient
) -> None:
    budget_id = import_plan(office)
    assert councillor.get(f"{STAFF}/{budget_id}").status_code == 403
    assert councillor.submit(STAFF, {"title": "X"}, files=csv_file(GOOD)).status_code == 403
    assert client.get(STAFF, follow_redirects=False).status_code in (303, 401)
    assert counts(world)[0] == 1


def test_another_municipality_sees_nothing_of_the_budget(
    world: World,
    council: Seeded,
    office: Browser,
    client: TestClient,
    new_client: Callable[[], TestClient],
) -> None:
    budget_id = import_plan(office)
    radwege = line_of(world, "54.1.02")
    assert client.get(f"/radebeul/ratsinfo/haushalt/{budget_id}").status_code == 404
    assert "Haushalt 2027/2028" not in client.get("/radebeul/ratsinfo/haushalt").text
    add_staff(world, "rb.council", COUNCIL_OFFICE, world.radebeul)
    radebeul = Browser(new_client())
    assert radebeul.login("rb.council").status_code == 303
    assert radebeul.get(f"/radebeul/verwaltung/ratsinfo/haushalt/{budget_id}").status_code == 404
    # Radebeul's own budget cannot take Dresden's line or faction.
    response = radebeul.submit(
        "/radebeul/verwaltung/ratsinfo/haushalt", {"title": "Radebeul"}, files=csv_file(GOOD)
    )
    assert response.status_code == 303
    own = int(response.headers["location"].split("/")[-1].split("?")[0])
    response = radebeul.submit(
        f"/radebeul/verwaltung/ratsinfo/haushalt/{own}/antrag",
        {
            "line": str(radwege.id),
            "faction": str(council.factions[0].id),
            "change_2027": "1",
            "reason": "x",
        },
    )
    assert response.status_code == 422
    text = main_text(response)
    assert "Bitte wählen Sie eine Position" in text
    assert "Bitte wählen Sie eine Fraktion." in text
    with world.tenant(world.radebeul) as db:
        assert budget_lines(db, world.radebeul, utcnow()).rows == []
        assert db.scalar(select(func.count()).select_from(Amendment)) == 0
    assert counts(world) == (1, 3, 6, 0)


def test_the_demo_budget_is_voted_in_the_demo_session(world: World, client: TestClient) -> None:
    portal = Portal.of(world.platform.settings)
    with world.tenant(world.radebeul) as db:
        # Four meetings, two of the council: one held four weeks ago, one in two weeks.
        seeded = seed_council(
            db, data_dir=portal.data_dir, limits=portal.limits, now=utcnow(), meetings=4
        )
        budget = seed_budget(db, seeded.council, seeded.factions, utcnow())
        budget_id = budget.id
        assert db.scalar(select(func.count()).select_from(BudgetLine)) == len(PLAN)
        assert db.scalar(select(func.count()).select_from(Amendment)) == len(AMENDMENTS)
    said: list[str] = []
    session_demo.seed(DemoContext(world.platform, {"radebeul": world.radebeul}, say=said.append))
    with world.tenant(world.radebeul) as db:
        results = db.scalars(
            select(AgendaItem.result)
            .join(Consultation, Consultation.agenda_item_id == AgendaItem.id)
            .join(Paper, Paper.id == Consultation.paper_id)
            .where(Paper.paper_type == "Änderungsantrag", AgendaItem.result != "")
        ).all()
    assert len(results) == 3  # voted in the held session: angenommen or abgelehnt
    assert set(results) <= {"angenommen", "abgelehnt"}
    page = main_text(client.get(f"/radebeul/ratsinfo/haushalt/{budget_id}"))
    assert page.count("in Beratung") == 2  # on the next meeting's agenda
    assert page.count("eingereicht") == len(AMENDMENTS) - 5  # filed only
    assert page.count("angenommen") + page.count("abgelehnt") == 3
    assert "Fraktion Grün-Sozial" in page


def test_the_service_refuses_a_second_adoption(world: World, council: Seeded) -> None:
    with world.tenant(world.dresden) as db:
        budget = budgets.import_budget(db, title="H", data=GOOD.encode(), budget=None, actor="t")
        budgets.adopt(db, budget, on=(utcnow() - timedelta(days=1)).date(), actor="t")
        with pytest.raises(InvalidInput):
            budgets.adopt(db, budget, on=utcnow().date(), actor="t")
