"""Regenerate the screenshots of the key pages in docs/screenshots/ (`make screenshots`).

Builds the demo data in a temporary directory, serves it on a free port and photographs the
pages in headless Chromium (Debian's, as the browser tests use). Map tiles stay off unless
SMARTCITY_MAP_TILE_URL is set, so the pictures show our own layers and need no network.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, ViewportSize, sync_playwright

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.demo import create_demo_data

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)

CITIZEN_PAGES = [
    ("portal-start", "/dresden/", PHONE),
    ("portal-form-step", None, PHONE),  # filled in by _application_step
    ("portal-defect-report", "/dresden/maengel/melden?kategorie=strassenschaden", DESKTOP),
    ("portal-defect-map", "/dresden/maengel", DESKTOP),
    ("portal-parking", "/dresden/parken", DESKTOP),
    ("portal-water-meter", "/dresden/wasserzaehler", PHONE),
]
STAFF_PAGES = [
    ("backoffice-inbox", "/dresden/verwaltung/vorgaenge", DESKTOP),
    ("backoffice-case", None, DESKTOP),  # the first case of the inbox
    ("backoffice-audit", "/dresden/verwaltung/protokoll", DESKTOP),
    ("cockpit", "/dresden/verwaltung/cockpit", DESKTOP),
    ("cockpit-chart", None, DESKTOP),  # a bench's temperature
    ("cockpit-energy", "/dresden/verwaltung/cockpit/energie", DESKTOP),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
    data_dir = Path(tempfile.mkdtemp(prefix="smartcity-screens-"))
    settings = Settings(
        data_dir=data_dir,
        secret_key="screenshots-" + "x" * 40,
        log_level="WARNING",
        map_tile_url=os.environ.get("SMARTCITY_MAP_TILE_URL", ""),
    )
    platform = Platform.from_settings(settings)
    print("Building the demo data …")
    with contextlib.redirect_stdout(io.StringIO()):
        create_demo_data(platform)
    password = json.loads((data_dir / "demo-credentials.json").read_text())["dresden.admin"]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(platform=platform, run_broker=False, run_jobs=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(base_url=f"http://127.0.0.1:{port}", locale="de-DE")
            for name, path, viewport in CITIZEN_PAGES:
                if path is None:
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
    finally:
        server.should_exit = True
        platform.engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
