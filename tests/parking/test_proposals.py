"""A car park its operator closes is offered to the press office as a post for the city's
channel; nothing is published until they save it, and an open car park is not offered."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.parking.conftest import API, car_park
from tests.web.conftest import Browser


def test_a_closed_car_park_is_proposed_to_the_press_office(
    dresden_parks: None, operator: TestClient, new_client: Callable[[], TestClient]
) -> None:
    press = Browser(new_client())
    assert press.login("dd.press").status_code == 303
    park = car_park(operator, "dresdenaltmarkt")
    assert "vorübergehend geschlossen" not in press.get("/dresden/verwaltung/kanal").text

    closed = operator.patch(f"{API}/car-parks/{park['id']}", json={"closed": True})
    assert closed.status_code == 200, closed.text
    overview = press.get("/dresden/verwaltung/kanal").text
    assert f"{park['name']} vorübergehend geschlossen" in overview
    source = overview.split("vorschlag=parking%3A")[1].split('"')[0]
    editor = press.get(f"/dresden/verwaltung/kanal/neu?vorschlag=parking%3A{source}")
    assert editor.status_code == 200
    assert f'value="{park["name"]} vorübergehend geschlossen"' in editor.text

    reopened = operator.patch(f"{API}/car-parks/{park['id']}", json={"closed": False})
    assert reopened.status_code == 200, reopened.text
    assert "vorübergehend geschlossen" not in press.get("/dresden/verwaltung/kanal").text
