"""Areas, districts and eligibility in a real browser (headless Chromium): the process page's
map draws the area, staff enter an area and a district without JavaScript on their side, a
voter chooses a district; axe-core finds no WCAG 2.1 AA violation on any of these pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.participation import demo
from tests.conftest import World
from tests.participation.conftest import DAY, make_process, set_phase
from tests.web.conftest import database_url, tiles
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server, settings

# Fixtures of the web tests (SQLite only, a served app, Chromium, the local tile server).
__all__ = ["chromium", "database_url", "new_page", "server", "settings", "tiles"]


def test_areas_districts_and_who_may_vote_in_the_browser(
    new_page: Callable[[], Any], world: World, server: str
) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    visitor = new_page()
    visitor.set_default_timeout(60_000)  # the shared test machine can be slow
    errors: list[str] = []
    visitor.on("pageerror", lambda error: errors.append(str(error)))
    visitor.goto("/dresden/beteiligung/altmarkt")
    # The map fetched the area and drew it (an outline, no marker) without a script error.
    visitor.wait_for_selector('#gebietskarte[data-loaded="1"]')
    assert visitor.locator("#gebietskarte path.leaflet-interactive").count() == 1
    assert errors == []
    assert "Die Karte zeigt das Gebiet des Verfahrens: Altstadt" in visitor.content()
    accessible(visitor)

    staff = new_page()
    staff.set_default_timeout(60_000)
    process = make_process(
        world, "trachau", "review", budget_cents=0, identification="codes", rule="approval"
    )
    area = "/dresden/verwaltung/beteiligung/trachau/gebiet"
    staff.goto(f"/anmelden?next={area}")
    log_in(staff, "dd.admin", area)
    accessible(staff)
    staff.fill("#feld-name", "Trachau")
    staff.fill("#feld-budget", "5000")
    staff.fill("#feld-postal_codes", "01129")
    staff.fill("#feld-district_area", '{"type": "Polygon", "coordinates": [[[13.7, 51.0]]]}')
    staff.get_by_role("button", name="Stadtteil hinzufügen").click()
    staff.wait_for_selector("#fehlerliste")
    assert "mindestens vier Positionen" in staff.content()
    accessible(staff)  # the error summary
    staff.fill("#feld-district_area", "")
    staff.get_by_role("button", name="Stadtteil hinzufügen").click()
    staff.wait_for_url(f"**{area}#bezirke")
    assert "Trachau" in staff.content()
    accessible(staff)

    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    citizen = new_page()
    citizen.set_default_timeout(60_000)
    citizen.goto("/dresden/beteiligung/trachau/abstimmung")
    # A vote with voting codes and districts: the voter chooses the district first.
    assert "Stadtteil, über dessen Budget Sie abstimmen" in citizen.content()
    accessible(citizen)
    citizen.get_by_label("Stadtteil, über dessen Budget Sie abstimmen").select_option(
        label="Trachau"
    )
    citizen.get_by_role("button", name="Stimmzettel dieses Stadtteils zeigen").click()
    citizen.wait_for_url("**/abstimmung?bezirk=*")
    assert "Trachau" in citizen.content()
    accessible(citizen)
