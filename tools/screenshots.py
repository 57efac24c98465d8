"""Regenerate the screenshots of the key pages in docs/screenshots/ (`make screenshots`).

Builds the demo data in a temporary directory, serves it on a free port and photographs the
pages in headless Chromium (Debian's, as the browser tests use). Map tiles stay off unless
SMARTCITY_MAP_TILE_URL is set, so the pictures show our own layers and need no network.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright

from tools.demo_instance import DemoInstance, demo_instance

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
KIOSK = ViewportSize(width=1280, height=720)

CITIZEN_PAGES = [
    ("portal-start", "/dresden/", PHONE),
    ("portal-start-en", "/dresden/?lang=en", PHONE),
    ("portal-accessibility", "/dresden/barrierefreiheit?lang=de", PHONE),
    ("portal-form-step", None, PHONE),  # filled in by _application_step
    ("portal-defect-report", "/dresden/maengel/melden?kategorie=strassenschaden", DESKTOP),
    ("portal-defect-map", "/dresden/maengel", DESKTOP),
    ("portal-parking", "/dresden/parken", DESKTOP),
    ("portal-water-meter", "/dresden/wasserzaehler", PHONE),
    ("kiosk", None, KIOSK),  # the first bench's display
]
STAFF_PAGES = [
    ("backoffice-overview", "/dresden/verwaltung/", DESKTOP),
    ("backoffice-inbox", "/dresden/verwaltung/vorgaenge", DESKTOP),
    ("backoffice-case", None, DESKTOP),  # the first case of the inbox
    ("backoffice-audit", "/dresden/verwaltung/protokoll", DESKTOP),
    ("cockpit", "/dresden/verwaltung/cockpit", DESKTOP),
    ("cockpit-chart", None, DESKTOP),  # a bench's temperature
    ("cockpit-energy", "/dresden/verwaltung/cockpit/energie", DESKTOP),
]


def _settle(page: Page) -> None:
    if page.locator(".map").count():
        page.wait_for_selector(".leaflet-interactive", timeout=15_000)
    page.wait_for_timeout(300)


def _shoot(page: Page, name: str, path: str | None, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    if path is not None:
        page.goto(path)
    _settle(page)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=viewport is PHONE)
    print(f"  {name}.png")


def main() -> None:
    with demo_instance(
        "screens", map_tile_url=os.environ.get("SMARTCITY_MAP_TILE_URL", "")
    ) as instance:
        _photograph(instance)


def _photograph(instance: DemoInstance) -> None:
    password = instance.password("dresden.admin")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(base_url=instance.base_url, locale="de-DE")
        for name, path, viewport in CITIZEN_PAGES:
            if name == "kiosk":
                page.goto("/dresden/umwelt")
                path = page.locator("a[href*='/display']").first.get_attribute("href")
            elif path is None:
                page.goto("/dresden/dienste/hundesteuer-anmeldung")
                page.get_by_role("button", name="Antrag beginnen").click()
                page.fill("#feld-name", "Erika Mustermann")
                page.get_by_role("button", name="Weiter", exact=True).click()
            _shoot(page, name, path, viewport)
        page.goto("/anmelden")
        page.fill("#feld-username", "dresden.admin")
        page.fill("#feld-password", password)
        page.get_by_role("button", name="Anmelden").click()
        for name, path, viewport in STAFF_PAGES:
            if name == "backoffice-case":
                page.goto("/dresden/verwaltung/vorgaenge")
                page.locator("tbody a").first.click()
            elif name == "cockpit-chart":
                page.goto("/dresden/verwaltung/cockpit")
                page.get_by_role("link", name="temperature").first.click()
            _shoot(page, name, path, viewport)
        browser.close()
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
