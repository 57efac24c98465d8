"""The staff scanner page's camera QR reader in a real browser (headless Chromium, Playwright):
a fake camera shows a ticket's QR code (`--use-file-for-fake-video-capture`, a Y4M picture we
make), the page reads it with the reader it loads from us and sends the same form, and the
gate says "Gültig"; nothing is requested from elsewhere and the page allows what the reader
needs and no more. Without JavaScript the typed-code form works as before. axe-core finds no
WCAG 2.1 AA violation on the scanner page or on the back office's calendar."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
from PIL import Image

from smartcity.core.platform import Platform
from smartcity.leisure.permissions import FACILITY_MANAGER, GATE_STAFF
from tests.conftest import World
from tests.leisure.conftest import Pool, add_staff, book, make_pool, ticket_tokens
from tests.web.conftest import database_url
from tests.web.test_in_browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    LOCAL_HOSTS,
    accessible,
    log_in,
    playwright_api,
    server,
)

# Fixtures of the web tests (SQLite only, a served app).
__all__ = ["database_url", "server"]

GATE = "/dresden/verwaltung/einlass"
WIDTH, HEIGHT = 640, 480


def camera_file(path: Path, text: str) -> Path:
    """A Y4M video of one frame (Chromium repeats it): the QR code of `text`, black on white
    with its quiet zone, in the middle of a 640×480 picture (4:2:0, grey: U and V at 128)."""
    picture = io.BytesIO()
    segno.make(text, error="m").save(picture, kind="png", scale=4, border=4)
    code = Image.open(io.BytesIO(picture.getvalue())).convert("L")
    side = min(HEIGHT - 20, code.width * (HEIGHT - 20) // code.width)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


@pytest.fixture
def camera(tmp_path: Path) -> Path:
    return tmp_path / "camera.y4m"


@pytest.fixture
def browser_with_camera(camera: Path) -> Iterator[Any]:
    """Chromium whose camera is the file `camera` (written by the test before the page asks),
    the permission granted as a person would."""
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_FLAGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
            ],
        )
        yield browser
        browser.close()


def _third_party(requested: list[str]) -> list[str]:
    return [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]


def test_the_camera_reads_a_ticket_and_sends_the_form(
    browser_with_camera: Any,
    server: str,
    camera: Path,
    world: World,
    platform: Platform,
) -> None:
    pool = make_pool(world, world.dresden)
    code = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_ticket, token)] = ticket_tokens(world, code)
    camera_file(camera, token)
    add_staff(world, "dd.gate", GATE_STAFF, world.dresden)
    context = browser_with_camera.new_context(base_url=server, locale="de-DE")
    context.set_default_timeout(60_000)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"/anmelden?next={GATE}")
        log_in(page, "dd.gate", GATE)
        answer = page.request.get(GATE)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self' 'wasm-unsafe-eval';" in policy
        assert "connect-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert "camera=(self)" in answer.headers["permissions-policy"]
        # Elsewhere the camera stays off.
        assert "camera=()" in page.request.get("/dresden/freizeit").headers["permissions-policy"]
        start = page.get_by_role("button", name="Kamera starten")
        playwright_api.expect(start).to_be_visible()
        accessible(page)
        start.focus()
        page.keyboard.press("Enter")
        result = page.locator("#ergebnis")
        playwright_api.expect(result).to_contain_text("Gültig: Erwachsene, 1 Person. Willkommen!")
        assert page.url.endswith(GATE)
        accessible(page)
        loaded = {urlsplit(url).path for url in requested}
        assert "/static/leisure/zxing-wasm/zxing-reader.js" in loaded
        assert "/static/leisure/zxing-wasm/zxing_reader.wasm" in loaded
        assert "/static/leisure/scanner.js" in loaded
        # The camera comes back on for the next ticket and does not send this one again.
        stop = page.get_by_role("button", name="Kamera beenden")
        playwright_api.expect(stop).to_be_visible()
        page.wait_for_timeout(1500)
        playwright_api.expect(result).to_contain_text("Gültig: Erwachsene")
        stop.click()
        playwright_api.expect(page.get_by_role("status").last).to_have_text("Kamera aus.")
    finally:
        context.close()
    assert not _third_party(requested), _third_party(requested)


def test_without_javascript_the_typed_code_is_checked(
    browser_with_camera: Any, server: str, world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    code = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    [(ticket, _token)] = ticket_tokens(world, code)
    add_staff(world, "dd.gate", GATE_STAFF, world.dresden)
    context = browser_with_camera.new_context(
        base_url=server, locale="de-DE", java_script_enabled=False
    )
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"/anmelden?next={GATE}")
        log_in(page, "dd.gate", GATE)
        assert page.locator("#kamera").is_hidden()
        page.fill("#feld-code", ticket.lower())
        page.get_by_role("button", name="Ticket prüfen").click()
        playwright_api.expect(page.locator("#ergebnis")).to_contain_text("Gültig")
    finally:
        context.close()


def test_the_calendar_is_accessible(
    browser_with_camera: Any, server: str, world: World, platform: Platform, pool: Pool
) -> None:
    book(world, platform, pool.later_slot, {pool.products["family"]: 1})
    add_staff(world, "dd.baeder", FACILITY_MANAGER, world.dresden)
    context = browser_with_camera.new_context(base_url=server, locale="de-DE")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        calendar = f"/dresden/verwaltung/freizeit/{pool.facility_id}/kalender"
        page.goto(f"/anmelden?next={calendar}")
        log_in(page, "dd.baeder", calendar)
        accessible(page)
        page.get_by_role("link", name="Nächste Woche").click()
        page.wait_for_url("**/kalender?woche=*")
        accessible(page)
        page.goto(f"{calendar}?woche=gestern")
        accessible(page)
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(calendar)
        accessible(page)
    finally:
        context.close()
