"""Fixtures of the channel's tests: a publisher's browser and helpers to write posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
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
