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
import datetime
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from tests.web.tile_server import tile_server

from tools.demo_instance import DemoInstance, demo_instance

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
KIOSK = ViewportSize(width=1280, height=720)

# A page reached from a list: the list's path, then the link to follow on each page (the first
# that matches), so that the pictures show whatever the demo data holds. A step that starts
# with "+" is no link but appended to the path reached (a sub-page: "+/live").
Via = tuple[str, tuple[str, ...]]
PROCESS = ("/dresden/beteiligung", ("main a[href^='/dresden/beteiligung/']",))
PROPOSAL = (PROCESS[0], (*PROCESS[1], "main a[href*='/vorschlaege/']"))
MEETING = ("/radebeul/ratsinfo", ("main a[href*='/ratsinfo/sitzungen/']",))
PAPER = ("/radebeul/ratsinfo/vorlagen", ("main a[href*='/ratsinfo/vorlagen/']",))
FACILITY = ("/dresden/freizeit", ("main a[href^='/dresden/freizeit/']",))
BOOKING = (FACILITY[0], (*FACILITY[1], "main a[href*='/buchen/']"))
DEPARTURES = ("/dresden/oepnv?q=Postplatz", ("main .stop-list a",))
NEWS_POST = ("/dresden/aktuelles", ("main a[href*='/aktuelles/']:not([href*='bilder'])",))
PASS = (FACILITY[0], (*FACILITY[1], "main a[href*='/karten/']"))
# Tomorrow's first museum slot is fully booked in the demo (leisure/demo.py).
TOMORROW = datetime.date.today() + datetime.timedelta(days=1)
WAITLIST = (f"/dresden/freizeit/stadtmuseum?tag={TOMORROW}", ("main a[href*='/warteliste/']",))
# The council's calendar: its first table lists the coming meetings, its second the past ones;
# the demo's digital session is the next council meeting (council/session/demo.py), the stream
# and chapters belong to the last meeting held (council/demo_office.py).
_CALENDAR = "/radebeul/ratsinfo"
NEXT_COUNCIL = (_CALENDAR, ("main div.table-scroll >> nth=0 >> th a:has-text('Stadtrat')",))
HELD_MEETING = (_CALENDAR, ("main div.table-scroll >> nth=1 >> th a",))
PIESCHEN = "/dresden/beteiligung/buergerhaushalt-pieschen"
FOLLOW = (PIESCHEN, ("main a[href*='/vorschlaege/']", "+#folgen"))
CHARGING = "/dresden/laden?lat=51.0504&lon=13.7373"
# The demo's draft budget (council/demo_budget.py) and a paper with its "follow" section.
BUDGET = ("/radebeul/ratsinfo/haushalt", ("main a[href^='/radebeul/ratsinfo/haushalt/']",))
PAPER_FOLLOW = ("/radebeul/ratsinfo/vorlagen", ("main a[href*='/vorlagen/']", "+#folgen"))
COURSE = (FACILITY[0], (*FACILITY[1], "main a[href*='/kurse/']"))
WIFI = "/dresden/wlan?lat=51.0504&lon=13.7373"
ENERGY = "/dresden/verwaltung/energie"
ENERGY_BUILDING = (ENERGY, ("main a[href*='/energie/gebaeude/']",))
LEISURE_CALENDAR = ("/dresden/verwaltung/freizeit", ("main a[href*='/kalender']",))

# (file name, path, Via, or None where the page is reached by clicking, viewport, language)
Shot = tuple[str, str | Via | None, ViewportSize, str]
DEFECT_FORM = "/dresden/maengel/melden?kategorie=strassenschaden"
CITIZEN_PAGES: list[Shot] = [
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
    ("portal-news-post", NEWS_POST, DESKTOP, "de"),
    ("portal-participation", "/dresden/beteiligung", PHONE, "de"),
    ("portal-participation-process", PROCESS, DESKTOP, "de"),
    ("portal-participation-process-phone-en", PROCESS, PHONE, "en"),
    ("portal-participation-proposal", PROPOSAL, DESKTOP, "de"),
    ("portal-participation-proposal-phone", PROPOSAL, PHONE, "de"),
    ("portal-council-calendar", "/radebeul/ratsinfo", DESKTOP, "de"),
    ("portal-council-calendar-phone-en", "/radebeul/ratsinfo", PHONE, "en"),
    ("portal-council-meeting", MEETING, DESKTOP, "de"),
    ("portal-council-meeting-phone", MEETING, PHONE, "de"),
    ("portal-council-paper", PAPER, DESKTOP, "de"),
    ("portal-council-paper-phone-en", PAPER, PHONE, "en"),
    ("portal-leisure", "/dresden/freizeit", PHONE, "de"),
    ("portal-leisure-facility", FACILITY, DESKTOP, "de"),
    ("portal-leisure-facility-phone-en", FACILITY, PHONE, "en"),
    ("portal-leisure-booking", BOOKING, DESKTOP, "de"),
    ("portal-leisure-booking-phone", BOOKING, PHONE, "de"),
    ("portal-transit-departures", DEPARTURES, DESKTOP, "de"),
    ("portal-transit-departures-phone-en", DEPARTURES, PHONE, "en"),
    ("portal-charging", CHARGING, DESKTOP, "de"),
    ("portal-charging-phone-en", CHARGING, PHONE, "en"),
    ("portal-leisure-pass", PASS, PHONE, "de"),
    ("portal-leisure-cart", None, PHONE, "de"),  # two tickets reserved from a booking form
    ("portal-leisure-cart-en", None, DESKTOP, "en"),
    ("portal-leisure-waitlist", WAITLIST, PHONE, "de"),
    ("portal-council-meeting-stream", HELD_MEETING, DESKTOP, "de"),
    ("portal-council-meeting-stream-phone-en", HELD_MEETING, PHONE, "en"),
    ("portal-council-search", "/radebeul/ratsinfo/suche?q=Haushalt", PHONE, "de"),
    ("portal-council-search-en", "/radebeul/ratsinfo/suche?q=Haushalt", DESKTOP, "en"),
    ("portal-participation-voting", f"{PIESCHEN}/abstimmung", PHONE, "de"),
    ("portal-participation-voting-en", f"{PIESCHEN}/abstimmung", DESKTOP, "en"),
    ("portal-participation-follow", FOLLOW, PHONE, "de"),
    ("portal-participation-unsubscribe", "/dresden/beteiligung/abbestellen/ungueltig", PHONE, "en"),
    ("portal-council-budget", BUDGET, DESKTOP, "de"),
    ("portal-council-budget-phone-en", BUDGET, PHONE, "en"),
    ("portal-council-paper-follow-phone", PAPER_FOLLOW, PHONE, "de"),
    ("portal-leisure-course-phone", COURSE, PHONE, "de"),
    ("portal-leisure-course-en", COURSE, DESKTOP, "en"),
    ("portal-wifi", WIFI, DESKTOP, "de"),
    ("portal-wifi-phone-en", WIFI, PHONE, "en"),
    ("kiosk", None, KIOSK, "de"),  # the first bench's display
]
VOUCHERS = ("/dresden/verwaltung/freizeit", ("main li > a[href^='freizeit/']", "+/gutscheine"))
SERIES = ("/dresden/verwaltung/offene-daten", ("main a[href*='/offene-daten/reihen/']",))
STAFF_PAGES: list[Shot] = [
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
    ("backoffice-users", "/dresden/verwaltung/benutzer", DESKTOP, "de"),
    ("backoffice-participation", "/dresden/verwaltung/beteiligung", DESKTOP, "de"),
    ("backoffice-leisure-en", "/dresden/verwaltung/freizeit", DESKTOP, "en"),
    ("backoffice-transit", "/dresden/verwaltung/oepnv", DESKTOP, "de"),
    ("backoffice-charging", "/dresden/verwaltung/laden", DESKTOP, "de"),
    ("backoffice-charging-phone-en", "/dresden/verwaltung/laden", PHONE, "en"),
    ("backoffice-leisure-vouchers", VOUCHERS, DESKTOP, "de"),
    ("backoffice-open-data-series", SERIES, DESKTOP, "de"),
    ("backoffice-open-data-series-phone-en", SERIES, PHONE, "en"),
    ("backoffice-leisure-bookings", "/dresden/verwaltung/freizeit/buchungen", DESKTOP, "de"),
    ("backoffice-leisure-cash-report", "/dresden/verwaltung/freizeit/kassenbericht", DESKTOP, "de"),
    (
        "backoffice-participation-area",
        "/dresden/verwaltung/beteiligung/altmarkt/gebiet",
        DESKTOP,
        "de",
    ),
    (
        "backoffice-participation-area-phone-en",
        "/dresden/verwaltung/beteiligung/altmarkt/gebiet",
        PHONE,
        "en",
    ),
    (
        "backoffice-participation-paper",
        f"/dresden/verwaltung/beteiligung/{PIESCHEN.rsplit('/', 1)[1]}/papier",
        DESKTOP,
        "de",
    ),
    (
        "backoffice-participation-moderation-en",
        "/dresden/verwaltung/beteiligung/moderation",
        DESKTOP,
        "en",
    ),
    ("backoffice-leisure-gate-phone", "/dresden/verwaltung/einlass", PHONE, "de"),
    ("backoffice-leisure-gate-en", "/dresden/verwaltung/einlass", DESKTOP, "en"),
    ("backoffice-energy", ENERGY, DESKTOP, "de"),
    ("backoffice-energy-building-phone-en", ENERGY_BUILDING, PHONE, "en"),
    ("backoffice-wifi", "/dresden/verwaltung/wlan", DESKTOP, "de"),
    ("backoffice-leisure-calendar", LEISURE_CALENDAR, DESKTOP, "de"),
    ("backoffice-leisure-calendar-phone-en", LEISURE_CALENDAR, PHONE, "en"),
    (
        "backoffice-leisure-cash-report-phone-en",
        "/dresden/verwaltung/freizeit/kassenbericht",
        PHONE,
        "en",
    ),
]
# The digital council session, opened by the council office for the next council meeting (a
# vote in progress), as the office, the public, the stream and a councillor see it.
SESSION_PAGES: list[tuple[str, str, Shot]] = [
    ("radebeul.ratsbuero", "sitzungsleitung", ("council-session-chair", None, DESKTOP, "de")),
    ("radebeul.ratsbuero", "sitzungsleitung", ("council-session-chair-phone", None, PHONE, "de")),
    ("radebeul.ratsbuero", "live", ("council-session-live-phone-en", None, PHONE, "en")),
    ("radebeul.ratsbuero", "einblendung", ("council-session-overlay", None, KIOSK, "de")),
    ("radebeul.stadtrat", "sitzung", ("council-session-device-phone", None, PHONE, "de")),
    ("radebeul.stadtrat", "sitzung", ("council-session-device-en", None, DESKTOP, "en")),
]


def _with_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"


def _settle(page: Page) -> None:
    if page.locator(".map").count():
        # Attached, not visible: a layer may draw nothing in view (a process without an area).
        page.wait_for_selector(".leaflet-interactive", state="attached", timeout=15_000)
        if page.locator(".map[data-tiles]:not([data-tiles=''])").count():
            page.wait_for_selector(".leaflet-tile-loaded", timeout=15_000)
    page.wait_for_timeout(300)


def _followed(page: Page, via: Via, language: str) -> str:
    """The path a list's links lead to (see `Via`)."""
    start, links = via
    path = start
    for selector in links:
        if selector.startswith("+"):
            path += selector[1:]
            continue
        page.goto(_with_language(path, language))
        link = page.locator(selector).first
        if not link.count():
            raise RuntimeError(f"no link {selector} on {path}")
        # The path the browser resolved, so that relative links ("freizeit/1") work as well.
        path = str(link.evaluate("a => a.pathname + a.search"))
    if "#" in path:
        path, fragment = path.split("#", 1)
        return f"{_with_language(path, language)}#{fragment}"
    return _with_language(path, language)


def _wanted(name: str) -> bool:
    """`python -m tools.screenshots portal-council backoffice-users`: only the pictures whose
    names start with one of the arguments (all without arguments)."""
    chosen = sys.argv[1:]
    return not chosen or name.startswith(tuple(chosen))


def _target(page: Page, path: str | Via, language: str) -> str:
    return (
        _followed(page, path, language)
        if isinstance(path, tuple)
        else _with_language(path, language)
    )


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
            if not _wanted(name):
                continue
            target: str | None = None
            if name == "kiosk":
                page.goto(_with_language("/dresden/umwelt", language))
                target = page.locator("a[href*='/display']").first.get_attribute("href")
            elif name.startswith("portal-leisure-cart"):
                page.goto(_followed(page, BOOKING, language))
                page.locator("main input[type=number]").first.fill("2")
                page.locator("main form button[type=submit]").last.click()
                page.wait_for_load_state()
            elif path is None:
                page.goto(_with_language("/dresden/dienste/hundesteuer-anmeldung", language))
                page.get_by_role("button", name="Antrag beginnen").click()
                page.fill("#feld-name", "Erika Mustermann")
                page.get_by_role("button", name="Weiter", exact=True).click()
            else:
                target = _target(page, path, language)
            _shoot(page, name, target, viewport)
        page.goto("/anmelden?lang=de")
        page.fill("#feld-username", "dresden.admin")
        page.fill("#feld-password", password)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/verwaltung/**")
        for name, path, viewport, language in STAFF_PAGES:
            if not _wanted(name):
                continue
            target = None
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
            elif path is not None:
                target = _target(page, path, language)
            _shoot(page, name, target, viewport)
        if any(_wanted(shot[0]) for _, _, shot in SESSION_PAGES):
            _council_session(browser, instance)
        browser.close()
    print(f"Screenshots written to {OUT}")


def _signed_in(browser: Browser, instance: DemoInstance, username: str) -> Page:
    page = browser.new_context(base_url=instance.base_url, locale="de-DE").new_page()
    page.goto("/anmelden?lang=de")
    page.fill("#feld-username", username)
    page.fill("#feld-password", instance.password(username))
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/verwaltung/**")
    return page


def _council_session(browser: Browser, instance: DemoInstance) -> None:
    """Open the next council meeting's session as the office: members checked in, the second
    item called and put to the vote; then photograph its pages."""
    office = _signed_in(browser, instance, "radebeul.ratsbuero")
    public = _followed(office, NEXT_COUNCIL, "de").split("?")[0]
    meeting = public.rsplit("/", 1)[1]
    staff = f"/radebeul/verwaltung/ratsinfo/sitzungen/{meeting}"
    office.goto(f"{staff}/sitzungsleitung")
    if office.locator("form[action$='eroeffnen'] button").count():
        office.locator("form[action$='eroeffnen'] button").click()
        office.wait_for_load_state()
        for _ in range(17):
            office.locator("form[action$='/anwesend'] button").first.click()
            office.wait_for_load_state()
        office.locator("form[action$='/top'] button").nth(1).click()
        office.wait_for_load_state()
        office.goto(f"{staff}/sitzungsleitung-abstimmung")
        office.locator("main form button[type=submit]").first.click()
        office.wait_for_load_state()
    pages = {"radebeul.ratsbuero": office}
    for username, part, (name, _, viewport, language) in SESSION_PAGES:
        if not _wanted(name):
            continue
        if username not in pages:
            pages[username] = _signed_in(browser, instance, username)
        base = public if part in ("live", "einblendung") else staff
        _shoot(pages[username], name, _with_language(f"{base}/{part}", language), viewport)


if __name__ == "__main__":
    main()
