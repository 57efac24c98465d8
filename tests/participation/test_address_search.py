"""A proposal's place from an address: with the city's geocoder configured, the proposal
form searches an address and a chosen match sets the coordinates, all without JavaScript;
without one the form offers no search. A failing geocoder costs nothing typed, and the typed
address is never logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.settings import Settings
from smartcity.participation.models import Proposal
from tests.conftest import World
from tests.core.web.photon_server import Photon, photon_server
from tests.participation.conftest import citizen_browser, make_process
from tests.web.conftest import main_text

BASE = "/dresden/beteiligung"
TYPED = {"title": "Bänke am Altmarkt", "text": "<p>Mehr Bänke</p>", "public_name": "Anna"}


@pytest.fixture
def photon() -> Iterator[Photon]:
    with photon_server() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, photon: Photon) -> Settings:
    return settings.model_copy(update={"geocoder_url": photon.url})


def _pick_values(page: str) -> list[str]:
    return re.findall(r'name="address_pick" value="([^"]+)"', page)


def test_a_citizen_finds_an_address_and_the_proposal_gets_its_place(
    world: World,
    new_client: Callable[[], TestClient],
    photon: Photon,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    form = anna.get(f"{BASE}/altmarkt/neu")
    assert "Adresse suchen" in form.text
    assert 'name="address_search"' in form.text
    found = anna.submit(
        f"{BASE}/altmarkt/neu", {**TYPED, "address": "Altmarkt 1", "address_search": "1"}
    )
    assert found.status_code == 200, found.text
    assert "Altmarkt 1, 01067 Dresden" in main_text(found)
    assert "Cottbus" not in found.text  # outside Dresden
    assert 'value="Bänke am Altmarkt"' in found.text  # what was typed is kept
    assert _count(world) == 0  # a search stores nothing
    (choice,) = _pick_values(found.text)
    chosen = anna.submit(f"{BASE}/altmarkt/neu", {**TYPED, "address_pick": choice})
    assert chosen.status_code == 200
    assert "Der Ort ist auf Altmarkt 1, 01067 Dresden gesetzt" in main_text(chosen)
    assert 'value="51.050500"' in chosen.text
    assert 'value="13.738500"' in chosen.text
    assert 'data-center="51.0505,13.7385"' in chosen.text  # the map opens at the place
    sent = anna.submit(f"{BASE}/altmarkt/neu", {**TYPED, "lat": "51.050500", "lon": "13.738500"})
    assert sent.status_code == 303, sent.text
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(Proposal))
        assert stored is not None
        assert (stored.lat, stored.lon) == (51.0505, 13.7385)
    assert len(photon.queries) == 1
    assert "Altmarkt 1" not in caplog.text


def test_no_match_and_an_empty_search_are_said_beside_the_field(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    none = anna.submit(
        f"{BASE}/altmarkt/neu", {**TYPED, "address": "Gibtsnichtweg 9", "address_search": "1"}
    )
    assert none.status_code == 200
    assert 'id="fehler-address"' in none.text
    assert "Keine Adresse in Dresden passt" in main_text(none)
    assert 'value="Gibtsnichtweg 9"' in none.text
    assert _pick_values(none.text) == []
    empty = anna.submit(f"{BASE}/altmarkt/neu", {**TYPED, "address_search": "1"})
    assert empty.status_code == 422
    assert "Bitte geben Sie eine Adresse ein" in main_text(empty)
    wrong = anna.submit(f"{BASE}/altmarkt/neu", {**TYPED, "address_pick": "nord,süd,Mond"})
    assert wrong.status_code == 422
    assert "konnte nicht übernommen werden" in main_text(wrong)
    assert _count(world) == 0


@pytest.mark.parametrize("mode", ["error", "garbage", "drop"])
def test_a_failing_geocoder_is_said_plainly_and_the_proposal_is_kept(
    world: World,
    new_client: Callable[[], TestClient],
    photon: Photon,
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    photon.mode = mode
    answer = anna.submit(
        f"{BASE}/altmarkt/neu", {**TYPED, "address": "Altmarkt 1", "address_search": "1"}
    )
    assert answer.status_code == 200
    assert "Die Adresssuche ist gerade nicht verfügbar" in main_text(answer)
    assert 'value="Bänke am Altmarkt"' in answer.text
    assert "Mehr Bänke" in answer.text
    assert 'value="Altmarkt 1"' in answer.text
    assert _count(world) == 0
    assert "Altmarkt 1" not in caplog.text


def _count(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return len(db.scalars(select(Proposal)).all())


class TestWithoutGeocoder:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"geocoder_url": ""})

    def test_the_form_offers_no_address_search_and_asks_nobody(
        self, world: World, new_client: Callable[[], TestClient], photon: Photon
    ) -> None:
        make_process(world, "altmarkt", "proposals")
        anna = citizen_browser(new_client, world, "anna")
        form = anna.get(f"{BASE}/altmarkt/neu")
        assert form.status_code == 200
        assert 'name="address"' not in form.text
        assert "Adresse suchen" not in form.text
        assert "Klicken Sie auf die Karte" in form.text
        # A search posted anyway shows the form again; nothing is asked, nothing stored.
        again = anna.submit(
            f"{BASE}/altmarkt/neu", {**TYPED, "address": "Altmarkt 1", "address_search": "1"}
        )
        assert again.status_code == 200
        assert 'value="Bänke am Altmarkt"' in again.text
        assert photon.queries == []
        assert _count(world) == 0
