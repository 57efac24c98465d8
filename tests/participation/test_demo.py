"""The demo data: Neugestaltung Altmarkt collects proposals, the Bürgerhaushalt Neustadt is
in its vote, and last year's budget shows its result."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from smartcity.core.demo import DemoContext
from smartcity.participation import demo, services
from tests.conftest import World
from tests.participation.conftest import citizen_browser
from tests.web.conftest import Browser, main_text


def test_the_demo_shows_a_process_per_phase(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    said: list[str] = []
    context = DemoContext(world.platform, {"dresden": world.dresden}, say=said.append)
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
    # The demo voter's printed code casts a ballot in Pieschen without the citizen login.
    [code] = [line.rsplit(": ", 1)[1] for line in said if "voting code" in line]
    voter = Browser(new_client())
    base = "/dresden/beteiligung/buergerhaushalt-pieschen/abstimmung"
    assert "Abstimmungscode aus Ihrem Brief" in main_text(voter.get(base))
    with world.tenant(world.dresden) as db:
        pieschen = services.process_by_slug(db, "buergerhaushalt-pieschen")
        [first, *_] = [p.id for p in services.visible_proposals(db, pieschen)]
    cast = voter.submit(base, [("code", code), ("choice", str(first)), ("action", "cast")])
    assert cast.status_code == 200, main_text(cast)
    assert "Ihr Stimmzettel wurde gezählt." in main_text(cast)
