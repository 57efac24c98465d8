"""Regenerate the screenshots of the key pages in docs/screenshots/ (`make screenshots`).

Builds the demo data in a temporary directory, serves it on a free port and photographs the
pages of every module (portal, back office, cockpit, channel, open data), in German and
English, on a phone and a desktop, in headless Chromium (Debian's, as the browser tests use).
The maps' background comes from a tile server on 127.0.0.1 that serves the tests' tile
(tests/web/tile_server.py), so the pictures show a map and no request leaves the machine;
SMARTCITY_MAP_TILE_URL names another tile server instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright
from tests.web.tile_server import tile_server

from tools.demo_instance import DemoInstance, demo_instance

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
KIOSK = ViewportSize(width=1280, height=720)

# (file name, path or None where the page is reached by clicking, viewport, language)
DEFECT_FORM = "/dresden/maengel/melden?kategorie=strassenschaden"
CITIZEN_PAGES = [
    ("portal-start", "/dresden/", PHONE, "de"),
    ("portal-start-en", "/dresden/", PHONE, "en"),
    ("portal-start-desktop", "/dresden/", DESKTOP, "de"),
    ("portal-accessibility", "/dresden/barrierefreiheit", PHONE, "de"),
    ("portal-form-step", None, PHONE, "de"),  # the dog-tax form's second step
    ("portal-defect-report", DEFECT_FORM, DESKTOP, "de"),
    ("portal-defect-report-phone", DEFECT_FORM, PHONE, "de"),
    ("portal-defect-map", "/dresden/maengel", DESKTOP, "de"),
    ("portal-parking", "/dresden/parken", DESKTOP, "de"),
    ("portal-parking-phone-en", "/dresden/parken", PHONE, "en"),
    ("portal-environment", "/dresden/umwelt", DESKTOP, "de"),
    ("portal-water-meter", "/dresden/wasserzaehler", PHONE, "de"),
    ("portal-news", "/dresden/aktuelles", PHONE, "de"),
    ("portal-events-en", "/dresden/veranstaltungen", DESKTOP, "en"),
    ("portal-open-data", "/dresden/offene-daten", DESKTOP, "de"),
    ("portal-open-data-phone-en", "/dresden/offene-daten", PHONE, "en"),
    ("kiosk", None, KIOSK, "de"),  # the first bench's display
]
STAFF_PAGES = [
    ("backoffice-overview", "/dresden/verwaltung/", DESKTOP, "de"),
    ("backoffice-overview-en", "/dresden/verwaltung/", DESKTOP, "en"),
    ("backoffice-inbox", "/dresden/verwaltung/vorgaenge", DESKTOP, "de"),
    ("backoffice-inbox-phone", "/dresden/verwaltung/vorgaenge", PHONE, "de"),
    ("backoffice-case", None, DESKTOP, "de"),  # the first case of the inbox
    ("backoffice-audit", "/dresden/verwaltung/protokoll", DESKTOP, "de"),
    ("backoffice-api-keys", "/dresden/verwaltung/api-schluessel", DESKTOP, "de"),
    ("backoffice-confirm", None, DESKTOP, "de"),  # revoking a new key asks first
    ("backoffice-channel", "/dresden/verwaltung/kanal", DESKTOP, "de"),
    ("backoffice-open-data-en", "/dresden/verwaltung/offene-daten", DESKTOP, "en"),
    ("cockpit", "/dresden/verwaltung/cockpit", DESKTOP, "de"),
    ("cockpit-en", "/dresden/verwaltung/cockpit", DESKTOP, "en"),
    ("cockpit-chart", None, DESKTOP, "de"),  # a bench's temperature
    ("cockpit-energy", "/dresden/verwaltung/cockpit/energie", DESKTOP, "de"),
]


def _with_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"


def _settle(page: Page) -> None:
    if page.locator(".map").count():
        page.wait_for_selector(".leaflet-interactive", timeout=15_000)
        if page.locator(".map[data-tiles]:not([data-tiles=''])").count():
            page.wait_for_selector(".leaflet-tile-loaded", timeout=15_000)
    page.wait_for_timeout(300)


def _shoot(page: Page, name: str, path: str | None, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    if path is not None:
        page.goto(path)
    _settle(page)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=viewport is PHONE)
    print(f"  {name}.png")


@contextlib.contextmanager
def _tiles() -> Iterator[str]:
    configured = os.environ.get("SMARTCITY_MAP_TILE_URL")
    if configured is not None:
        yield configured
        return
    with tile_server() as served:
        yield served.url


def main() -> None:
    with (
        _tiles() as tiles,
        demo_instance(
            "screens",
            map_tile_url=tiles,
            map_attribution="Kartenhintergrund: Testkacheln (lokal)",
        ) as instance,
    ):
        _photograph(instance)


def _photograph(instance: DemoInstance) -> None:
    password = instance.password("dresden.admin")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # A German browser (Debian's chromium-l10n), as most of the city's users have: it
        # draws date fields as TT.MM.JJJJ.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--lang=de-DE",
            ],
            env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"},
        )
        page = browser.new_page(base_url=instance.base_url, locale="de-DE")
        for name, path, viewport, language in CITIZEN_PAGES:
            if name == "kiosk":
                page.goto(_with_language("/dresden/umwelt", language))
                path = page.locator("a[href*='/display']").first.get_attribute("href")
            elif path is None:
                page.goto(_with_language("/dresden/dienste/hundesteuer-anmeldung", language))
                page.get_by_role("button", name="Antrag beginnen").click()
                page.fill("#feld-name", "Erika Mustermann")
                page.get_by_role("button", name="Weiter", exact=True).click()
            else:
                path = _with_language(path, language)
            _shoot(page, name, path, viewport)
        page.goto("/anmelden?lang=de")
        page.fill("#feld-username", "dresden.admin")
        page.fill("#feld-password", password)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/verwaltung/**")
        for name, path, viewport, language in STAFF_PAGES:
            if name == "backoffice-case":
                page.goto(_with_language("/dresden/verwaltung/vorgaenge", language))
                page.locator("tbody a").first.click()
            elif name == "backoffice-confirm":
                page.goto(_with_language("/dresden/verwaltung/api-schluessel", language))
                page.fill("#feld-name", "Pegelsensor Elbe")
                page.locator("input[value='sta:write']").check()
                page.get_by_role("button", name="Schlüssel anlegen").click()
                page.goto("/dresden/verwaltung/api-schluessel")
                page.locator("tbody button.link-button").first.click()
            elif name == "cockpit-chart":
                page.goto(_with_language("/dresden/verwaltung/cockpit", language))
                page.get_by_role("link", name="Lufttemperatur").first.click()
            else:
                path = _with_language(path, language) if path else path
            _shoot(page, name, path, viewport)
        browser.close()
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
