"""The main flows in a real browser (headless Chromium from Debian, driven by Playwright):
what citizens and clerks do, by keyboard where the issue asks for it, and axe-core's
accessibility check (WCAG 2.1 AA rules) on every page visited."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from smartcity.benches import services as benches
from smartcity.core.settings import Settings
from tests.conftest import PASSWORD, World
from tests.web.conftest import PDF
from tests.web.tile_server import TileServer

playwright_api = pytest.importorskip("playwright.sync_api")
# Assertions that wait until the page shows what is expected (a navigation may still run).
expect = playwright_api.expect
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's German user interface (Debian's chromium-l10n), which draws date fields as TT.MM.JJJJ.
GERMAN_UI = Path("/usr/lib/chromium/locales/de.pak")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs Chromium for the browser tests: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def settings(settings: Settings, tiles: TileServer) -> Settings:
    """The maps' background from the test's own tile server, as a city configures its own."""
    return settings.model_copy(
        update={"map_tile_url": tiles.url, "map_attribution": "Testkacheln der Stadt"}
    )


@pytest.fixture
def server(app: FastAPI, world: World) -> Iterator[str]:
    """The app served over HTTP on a free port of 127.0.0.1 (a secure context for Chromium,
    so the Secure `__Host-` cookies work as over HTTPS)."""
    port = _free_port()
    running = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def new_page(chromium: Any, server: str) -> Iterator[Callable[[], Any]]:
    """A fresh browser page; no page may send a request off this machine (to a third party)."""
    contexts: list[Any] = []
    requested: list[str] = []

    def make() -> Any:
        context = chromium.new_context(base_url=server, locale="de-DE")
        context.set_default_timeout(10_000)
        context.on("request", lambda request: requested.append(request.url))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    third_party = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert not third_party, f"requests to third parties: {third_party[:5]}"


def shows_tiles(page: Any, tiles: TileServer) -> None:
    """The page's map draws its background from the configured tile server: tiles load (none
    fails) and the attribution is shown."""
    page.wait_for_selector(".leaflet-tile-loaded")
    loaded = page.locator(".leaflet-tile-loaded")
    assert loaded.count() > 0
    assert all(
        src.startswith(tiles.origin + "/")
        for src in loaded.evaluate_all("tiles => tiles.map(tile => tile.src)")
    )
    assert page.locator(".leaflet-tile-error").count() == 0
    assert tiles.served
    assert not tiles.refused
    expect(page.locator(".leaflet-control-attribution").first).to_contain_text(
        "Testkacheln der Stadt"
    )


def accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    results = axe_module.Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Any, username: str, then: str) -> None:
    """Fill in the login form the page shows and wait for the page it leads to."""
    page.fill("#feld-username", username)
    page.fill("#feld-password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**{then}")


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Move the focus with the Tab key alone until it reaches the element, and check that
    the focus can be seen there."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
            assert outline not in ("none", ""), f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_a_citizen_submits_a_water_meter_reading_by_keyboard_and_sees_the_receipt(
    new_page: Callable[[], Any], meters: None
) -> None:
    page = new_page()
    page.goto("/dresden/")
    accessible(page)
    tab_to(page, 'a[href="wasserzaehler"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/wasserzaehler")
    accessible(page)
    tab_to(page, "#feld-meter_number")
    page.keyboard.type("WZ-1")
    tab_to(page, "#feld-reading")
    page.keyboard.type("abc")
    page.keyboard.press("Enter")
    # The error summary names the field; following its link puts the focus on it.
    summary = page.locator(".error-summary a")
    assert "Zählerstand als Zahl" in summary.inner_text()
    accessible(page)
    summary.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("190,5")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/wasserzaehler/[0-9A-Z-]+$"))
    assert "Vielen Dank, Ihr Zählerstand ist eingegangen" in page.inner_text("main")
    assert page.inner_text("#tracking-code")
    accessible(page)


def test_a_citizen_reports_a_defect_on_the_map(
    new_page: Callable[[], Any], report_categories: None, tiles: TileServer
) -> None:
    page = new_page()
    page.goto("/dresden/maengel/melden")
    accessible(page)
    page.get_by_role("link", name="Straßenschaden").click()
    page.wait_for_selector(".leaflet-container")
    shows_tiles(page, tiles)
    accessible(page)
    page.fill("#feld-description", "Tiefes Schlagloch vor dem Rathaus")
    page.select_option("#feld-attribute-flaeche", "fahrbahn")
    page.locator("#karte").click(position={"x": 200, "y": 150})
    assert page.input_value("#feld-lat")
    assert page.input_value("#feld-lon")
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.locator("h1")).to_have_text("Vielen Dank für Ihre Meldung")
    accessible(page)
    page.goto("/dresden/maengel")
    page.wait_for_selector(".leaflet-interactive")
    shows_tiles(page, tiles)
    accessible(page)


def test_a_defect_can_be_reported_by_keyboard_alone_with_a_typed_place(
    new_page: Callable[[], Any], report_categories: None
) -> None:
    page = new_page()
    page.goto("/dresden/")
    tab_to(page, 'a[href="maengel/melden"]')
    page.keyboard.press("Enter")
    tab_to(page, 'a[href="?kategorie=beleuchtung"]')
    page.keyboard.press("Enter")
    tab_to(page, "#feld-description")
    page.keyboard.type("Laterne brennt nicht")
    tab_to(page, "#feld-address")
    page.keyboard.type("Altmarkt, vor dem Kulturpalast")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Vielen Dank für Ihre Meldung")


def test_a_clerk_decides_the_case_and_the_citizen_sees_the_decision(
    new_page: Callable[[], Any], dog_tax: str, tmp_path: Path
) -> None:
    citizen = new_page()
    citizen.goto(f"/dresden/dienste/{dog_tax}")
    accessible(citizen)
    citizen.get_by_role("button", name="Antrag beginnen").click()
    citizen.fill("#feld-name", "Erika Mustermann")
    citizen.fill("#feld-street", "Altmarkt 1")
    citizen.fill("#feld-postcode", "01067")
    citizen.fill("#feld-city", "Dresden")
    accessible(citizen)
    citizen.get_by_role("button", name="Weiter", exact=True).click()
    citizen.fill("#feld-dog_name", "Bello")
    citizen.fill("#feld-breed", "Dackel")
    citizen.fill("#feld-since", "2026-11-01")
    citizen.get_by_role("button", name="Weiter", exact=True).click()
    proof = tmp_path / "versicherung.pdf"
    proof.write_bytes(PDF)
    citizen.set_input_files("#feld-insurance", str(proof))
    citizen.get_by_role("button", name="Weiter zur Prüfung").click()
    accessible(citizen)
    citizen.get_by_role("button", name="Antrag absenden").click()
    code = citizen.inner_text("#tracking-code").strip()
    accessible(citizen)

    clerk = new_page()
    clerk.goto("/dresden/verwaltung/vorgaenge")
    clerk.wait_for_url(re.compile(r".*/anmelden\?next=.*"))
    accessible(clerk)
    log_in(clerk, "dd.clerk.a", "/dresden/verwaltung/vorgaenge")
    accessible(clerk)
    clerk.get_by_role("link", name=code).click()
    accessible(clerk)
    clerk.select_option("#feld-status", "in_bearbeitung")
    clerk.get_by_role("button", name="Status ändern").click()
    expect(clerk.locator("#case-status")).to_have_text("In Bearbeitung")
    clerk.select_option("#feld-outcome", "approved")
    clerk.fill("#feld-decision-text", "Die Steuermarke liegt bei.")
    clerk.get_by_role("button", name="Bescheid prüfen …").click()
    # The confirmation step: the decision as the applicant will get it, before it is issued.
    expect(clerk.locator("#decision-preview")).to_contain_text("Die Steuermarke liegt bei.")
    accessible(clerk)
    clerk.get_by_role("button", name="Bescheid erlassen").click()
    expect(clerk.locator("#case-status")).to_have_text("Entschieden")

    citizen.goto("/dresden/status")
    citizen.fill("#feld-code", code.lower())
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#decision")).to_contain_text("Ihrem Antrag wird stattgegeben.")
    accessible(citizen)


def test_the_cockpit_shows_a_new_observation_without_reload(
    new_page: Callable[[], Any], world: World, server: str
) -> None:
    with world.tenant(world.dresden) as db:
        bench = benches.create_bench(db, name="Bank Altmarkt", lat=51.05, lon=13.74, actor="t")
        stream = benches.statuses(db, [bench])[0].datastreams["temperature"]
    key = world.api_key(world.dresden, "sta:write")
    page = new_page()
    page.goto("/anmelden?next=/dresden/verwaltung/cockpit")
    log_in(page, "dd.operator", "/dresden/verwaltung/cockpit")
    page.wait_for_selector(".leaflet-interactive")
    accessible(page)
    time.sleep(1.5)  # the page's event stream is open and has its starting point
    sent = httpx.post(
        f"{server}/dresden/sta/v1.1/Observations",
        json={
            "Datastream": {"@iot.id": stream},
            "phenomenonTime": datetime.now(UTC).isoformat(),
            "result": 23.4,
        },
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 201, sent.text
    page.wait_for_selector("#live-log li:has-text('23,4')", timeout=15_000)
    expect(page.locator("#live-log")).to_contain_text("Bank Altmarkt")


def test_the_remaining_pages_are_accessible(
    new_page: Callable[[], Any], dog_tax: str, meters: None, world: World
) -> None:
    with world.tenant(world.dresden) as db:
        bench = benches.create_bench(db, name="Bank Altmarkt", lat=51.05, lon=13.74, actor="t")
        stream = benches.statuses(db, [bench])[0].datastreams["temperature"]
    citizen = new_page()
    citizen.goto(f"/dresden/dienste/{dog_tax}")
    citizen.get_by_role("button", name="Antrag beginnen").click()
    citizen.get_by_role("button", name="Speichern und später fortsetzen").click()
    citizen.wait_for_url("**/antrag/speichern")
    accessible(citizen)
    for path in (f"/dresden/benches/{bench.id}/display", "/dresden/status/ABCD-EFGH-JKMN"):
        citizen.goto(path)
        accessible(citizen)
    region = new_page()
    region.goto("/anmelden?next=/region/cockpit")
    log_in(region, "region.admin", "/region/cockpit")
    accessible(region)
    region.goto(f"/dresden/verwaltung/cockpit/datenstroeme/{stream}?range=7d")
    accessible(region)
    region.goto("/dresden/verwaltung/cockpit?lang=en")
    accessible(region)
    page = new_page()
    page.goto("/anmelden?next=/dresden/verwaltung/")
    log_in(page, "dd.admin", "/dresden/verwaltung/")
    for path in (
        "/dresden/verwaltung/",
        "/dresden/verwaltung/maengel",
        "/dresden/verwaltung/wasserzaehler",
        "/dresden/verwaltung/benutzer",
        "/dresden/verwaltung/api-schluessel",
        "/dresden/verwaltung/protokoll",
        "/dresden/verwaltung/cockpit/energie",
        "/passwort",
        "/dresden/parken",
        "/dresden/umwelt",
        "/dresden/antrag/fortsetzen",
        "/dresden/?lang=en",
        "/",
    ):
        page.goto(path)
        accessible(page)


HOSTILE = '<img src="/hostile.png"><b id="injected">Bank</b>'


def test_names_on_every_map_layer_stay_text(
    new_page: Callable[[], Any],
    world: World,
    server: str,
    report_categories: None,
) -> None:
    """A name set by a device key or in the back office is shown as text on every map: no
    element, image request or redirect comes of it, in a tooltip, a popup or the live log."""
    key = world.api_key(
        world.dresden, "benches:write", "parking:write", "lighting:write", "sta:write"
    )
    operator = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"})
    created = [
        operator.post(
            "/dresden/api/v1/benches", json={"name": HOSTILE, "lat": 51.0504, "lon": 13.7373}
        ),
        operator.post(
            "/dresden/api/v1/parking/car-parks/import",
            json={
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [13.741, 51.051]},
                        "properties": {"name": HOSTILE, "type": "Parkhaus", "total": 10},
                    }
                ],
            },
        ),
    ]
    group = operator.post(
        "/dresden/api/v1/lighting/groups",
        json={"name": HOSTILE, "program": {"level": 100, "steps": [], "min_level": 20}},
    )
    assert group.status_code == 201, group.text
    created.append(
        operator.post(
            f"/dresden/api/v1/lighting/groups/{group.json()['id']}/luminaires",
            json={"name": HOSTILE, "lat": 51.049, "lon": 13.736, "rated_power_w": 60},
        )
    )
    created.append(
        operator.post(
            "/dresden/sta/v1.1/Things",
            json={
                "name": HOSTILE,
                "description": "x",
                "Locations": [
                    {
                        "name": HOSTILE,
                        "description": "x",
                        "encodingType": "application/geo+json",
                        "location": {"type": "Point", "coordinates": [13.739, 51.052]},
                    }
                ],
                "Datastreams": [
                    {
                        "name": HOSTILE,
                        "description": "x",
                        "unitOfMeasurement": {"name": "x", "symbol": "x", "definition": "x"},
                        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                        "ObservedProperty": {
                            "name": HOSTILE,
                            "definition": "x",
                            "description": "x",
                        },
                        "Sensor": {
                            "name": HOSTILE,
                            "description": "x",
                            "encodingType": "text/html",
                            "metadata": "x",
                        },
                    }
                ],
            },
        )
    )
    for response in created:
        assert response.status_code in (200, 201), response.text
    requests: list[str] = []
    page = new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/anmelden?next=/dresden/verwaltung/cockpit")
    log_in(page, "dd.operator", "/dresden/verwaltung/cockpit")
    for path in ("/dresden/verwaltung/cockpit", "/dresden/umwelt", "/dresden/parken"):
        page.goto(path)
        page.wait_for_selector(".leaflet-interactive")
        markers = page.locator(".leaflet-interactive")
        for index in range(markers.count()):
            markers.nth(index).hover(force=True)
            markers.nth(index).click(force=True)
            if page.locator(".leaflet-popup-content").count():
                expect(page.locator(".leaflet-popup-content").last).to_contain_text("<img")
        assert page.locator("#injected").count() == 0, path
        # No image but the background map's tiles.
        assert page.locator(".leaflet-pane img:not(.leaflet-tile)").count() == 0, path
        assert page.url.endswith(path), "a name redirected the page"
    assert not [url for url in requests if "hostile" in url]


def test_the_api_docs_render_our_openapi_3_1_document(new_page: Callable[[], Any]) -> None:
    """Swagger UI 4 showed "Unable to render this definition" for OpenAPI 3.1."""
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs")
    # The whole platform's document is parsed in the browser: seconds on a loaded machine.
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    expect(page.locator("#swagger-ui")).not_to_contain_text("Unable to render")
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/")
    server = page.url.split("/api/docs")[0]
    assert all(url.startswith((server, "data:")) for url in requests), requests


def test_a_date_picker_takes_the_date_in_german_order(
    chromium: Any, server: str, meters: None
) -> None:
    """A date field is drawn by the browser in its user's language: in a German browser it
    reads TT.MM.JJJJ, and typed as day, month, year it sends the ISO date (in an English one
    01 would be the month). The page keeps the date when it comes back with an error."""
    if not GERMAN_UI.exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI needs Chromium in German: apt-get install chromium-l10n")
        pytest.skip("Chromium's German interface is not installed (apt-get install chromium-l10n)")
    german = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, "--lang=de-DE"],
        env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"},
    )
    try:
        page = german.new_page(base_url=server, locale="de-DE")
        page.goto("/dresden/wasserzaehler")
        field = page.locator("#feld-read_on")
        assert field.get_attribute("type") == "date"
        field.click(position={"x": 12, "y": 20})  # the day's part of the field
        page.keyboard.type("01112026")
        assert field.input_value() == "2026-11-01"
        page.fill("#feld-meter_number", "WZ-1")
        page.fill("#feld-reading", "abc")
        page.get_by_role("button", name="Zählerstand senden").click()
        page.wait_for_selector("#fehlerliste")
        assert page.locator("#feld-read_on").input_value() == "2026-11-01"
    finally:
        german.close()
