"""Cross-posting: a module proposes a post through its declaration; nothing is published until
a publisher opens it in the editor and saves it, and a taken proposal is not offered again."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.modules import MODULES
from tests.channel.conftest import saved_id
from tests.web.conftest import Browser, main_text


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    modules = (*MODULES[:-1], "tests.channel.proposer", MODULES[-1])
    return create_app(platform=platform, run_broker=False, run_jobs=False, modules=modules)


def test_a_proposed_event_is_published_once_a_publisher_confirms_it(
    publisher: Browser, client: TestClient
) -> None:
    overview = publisher.get("/dresden/verwaltung/kanal").text
    assert "Sitzung des Stadtrats" in overview
    assert "Sitzung des Stadtrats" not in client.get("/dresden/veranstaltungen").text
    editor = publisher.get("/dresden/verwaltung/kanal/neu?vorschlag=proposer:sitzung-2027-01-20")
    assert 'value="Sitzung des Stadtrats"' in editor.text
    assert 'value="Plenarsaal, Neues Rathaus"' in editor.text
    channel = editor.text.split('name="channel"')[1].split('<option value="')[1].split('"')[0]
    post_id = saved_id(
        publisher.submit(
            "/dresden/verwaltung/kanal/neu",
            {
                "channel": channel,
                "kind": "event",
                "language": "de",
                "title": "Sitzung des Stadtrats",
                "teaser": "Öffentliche Sitzung mit Bürgerfragestunde.",
                "starts_at": "2027-01-20T18:00",
                "location": "Plenarsaal, Neues Rathaus",
                "source": "proposer:sitzung-2027-01-20",
            },
        )
    )
    assert "Sitzung des Stadtrats" in main_text(client.get(f"/dresden/aktuelles/{post_id}"))
    assert "vorschlag=proposer" not in publisher.get("/dresden/verwaltung/kanal").text
    taken = publisher.get("/dresden/verwaltung/kanal/neu?vorschlag=proposer:sitzung-2027-01-20")
    assert taken.status_code == 404
