"""Fixtures of the channel's tests: a publisher's browser, helpers to write posts, and the
platform served on a real port for the federation tests' peers (`served`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smartcity.channel.federation import deliver_due
from smartcity.channel.settings import ChannelSettings
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import World, free_port
from tests.web.conftest import Browser

BERLIN = ZoneInfo("Europe/Berlin")


def local(moment: datetime) -> str:
    """A moment as the editor's datetime-local field takes it (Dresden's time)."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def publisher(world: World, new_client: Callable[[], TestClient]) -> Browser:
    browser = Browser(new_client())
    assert browser.login("dd.press").status_code == 303
    return browser


def write(browser: Browser, **fields: Any) -> httpx.Response:
    """Save a post through the editor; `files` may carry an image."""
    files = fields.pop("files", None)
    post_id = fields.pop("post_id", None)
    browser.get("/dresden/verwaltung/kanal")  # makes the main channel on first use
    form = {"kind": "news", "language": "de", "title": "Titel", **fields}
    if "channel" not in form:
        page = browser.get("/dresden/verwaltung/kanal/neu").text
        marker = 'name="channel"'
        option = page[page.index(marker) :]
        form["channel"] = option.split('<option value="')[1].split('"')[0]
    path = f"/dresden/verwaltung/kanal/{post_id}" if post_id else "/dresden/verwaltung/kanal/neu"
    return browser.submit(path, {k: str(v) for k, v in form.items()}, files=files)


def saved_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("gespeichert=")[1])


# --- the platform on a real port, for peers on localhost ------------------------------------

ALLOW_LOCAL = ChannelSettings(allow_private_addresses=True)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """A test that serves the platform (`served`) gets the served address as public URL: it
    is the host of the handles and the prefix of every ActivityPub id the peers fetch."""
    if "served" not in request.fixturenames:
        return settings
    port = request.getfixturevalue("port")
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})


@pytest.fixture
def served(app: FastAPI, port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The platform served by uvicorn in a thread, so that a peer can fetch its actors and
    keys like any Fediverse server would."""
    # The peers live on localhost: let federation reach them (refused by default).
    monkeypatch.setenv("SMARTCITY_CHANNEL_ALLOW_PRIVATE_ADDRESSES", "true")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def deliver(platform: Platform, **kwargs: object) -> dict[str, int]:
    """Run the delivery job once, allowed to reach peers on localhost."""
    return deliver_due(platform, settings=ALLOW_LOCAL, **kwargs)  # type: ignore[arg-type]
