"""The demo data: Neugestaltung Altmarkt collects proposals, the Bürgerhaushalt Neustadt is
in its vote, and last year's budget shows its result."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from smartcity.core.demo import DemoContext
from smartcity.participation import demo
from tests.conftest import World
from tests.participation.conftest import citizen_browser
from tests.web.conftest import main_text


def test_the_demo_shows_a_process_per_phase(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    context = DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None)
    demo.seed(context)
    demo.seed(context)  # a second run adds nothing
    anna = citizen_browser(new_client, world, "anna")
    listing = main_text(anna.get("/dresden/beteiligung"))
    assert listing.count("Neugestaltung Altmarkt") == 1
    altmarkt = main_text(anna.get("/dresden/beteiligung/altmarkt"))
    assert "Vorschlag machen" in altmarkt
    assert "Trinkbrunnen am Altmarkt" in altmarkt
    neustadt = main_text(anna.get("/dresden/beteiligung/buergerhaushalt-neustadt/abstimmung"))
    assert "Stimmzettel abgeben" in neustadt
    assert "Lastenrad zum Ausleihen" in neustadt
    result = anna.get("/dresden/beteiligung/buergerhaushalt-2025/ergebnis")
    assert result.status_code == 200
    assert "Es wurden 30 Stimmzettel abgegeben." in main_text(result)
