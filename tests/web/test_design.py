"""The portal as a municipality puts its name on it: the KERN UX design system served by us,
the municipality's name, colour and logo set by its administrator, and the footer with
imprint, privacy policy, accessibility statement (with the feedback form BITV 2.0 requires)
and contact on every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.header import decode_header, make_header
from pathlib import Path

import smartcity.web
from tests.conftest import World
from tests.web.conftest import Browser, mails, main_text

DRESDEN = "/dresden"
ADMIN = f"{DRESDEN}/verwaltung"
KERN = Path(smartcity.web.__file__).parent / "kern"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)
LEGAL = {
    "impressum": ("Impressum", "Imprint"),
    "datenschutz": ("Datenschutzerklärung", "Privacy policy"),
    "barrierefreiheit": ("Erklärung zur Barrierefreiheit", "Accessibility statement"),
    "kontakt": ("Kontakt", "Contact"),
}


def logged_in(browser: Callable[[], Browser], username: str) -> Browser:
    staff = browser()
    assert staff.login(username).status_code == 303
    return staff


def footer_links(page_text: str) -> list[str]:
    found = re.search(r'<footer class="site-footer">.*?</footer>', page_text, re.S)
    assert found is not None
    return re.findall(r'href="([^"]+)"', found.group(0))


def test_kern_ux_is_served_by_us_with_its_licence_and_version(
    browser: Callable[[], Browser],
) -> None:
    citizen = browser()
    page = citizen.get(f"{DRESDEN}/")
    for sheet in ("/static/kern/kern.min.css", "/static/kern/fonts/fira-sans.css"):
        assert f'href="{sheet}"' in page.text
        answer = citizen.get(sheet)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/css")
    faces = citizen.get("/static/kern/fonts/fira-sans.css").text
    for font in re.findall(r'url\("\./([^"]+)"\)', faces):
        served = citizen.get(f"/static/kern/fonts/{font}")
        assert served.status_code == 200
        assert served.headers["content-type"] == "font/woff2"
    # The stylesheet asks for nothing from another host (its icons are data: URLs).
    css = (KERN / "kern.min.css").read_text()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    licence = citizen.get("/static/kern/LICENSE.md")
    assert licence.status_code == 200
    assert "EUPL" in licence.text
    assert re.fullmatch(r"\d+\.\d+\.\d+\n", citizen.get("/static/kern/VERSION").text)
    assert citizen.get("/static/kern/../site.py").status_code == 404


def test_every_portal_page_links_the_legal_pages_in_german_and_english(
    browser: Callable[[], Browser], world: World
) -> None:
    citizen = browser()
    for path in ("/", "/parken", "/maengel", "/status", "/impressum"):
        links = footer_links(citizen.get(f"{DRESDEN}{path}").text)
        assert [f"{DRESDEN}/{slug}" for slug in LEGAL] == links
    for slug, (german, english) in LEGAL.items():
        page = citizen.get(f"{DRESDEN}/{slug}")
        assert page.status_code == 200
        assert f"<h1>{german}</h1>" in page.text
        assert "Dresden" in main_text(page)
        assert f"<h1>{english}</h1>" in citizen.get(f"{DRESDEN}/{slug}?lang=en").text
        citizen.get(f"{DRESDEN}/?lang=de")
    # The defaults say what the law asks for until the municipality writes its own.
    assert "Körperschaft des öffentlichen Rechts" in main_text(citizen.get(f"{DRESDEN}/impressum"))
    assert "Art. 77 DSGVO" in main_text(citizen.get(f"{DRESDEN}/datenschutz"))
    statement = main_text(citizen.get(f"{DRESDEN}/barrierefreiheit"))
    assert "Schlichtungsstelle" in statement
    assert "Barriere melden" in statement


def test_the_administrator_sets_name_colour_logo_and_texts_of_the_portal(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    page = admin.get(f"{ADMIN}/auftritt")
    assert page.status_code == 200
    values = {
        "display_name": "Stadt Dresden",
        "colour": "#ffd200",
        "contact_email": "barrierefrei@dresden.example",
        "imprint": "Herausgeberin: Stadt Dresden\nDr.-Külz-Ring 19\n\n<b>Zweiter</b> Absatz",
    }
    refused = admin.submit(f"{ADMIN}/auftritt", values)
    assert refused.status_code == 422
    assert "nur einen Kontrast von 1,5:1" in main_text(refused)
    assert 'href="#feld-colour"' in refused.text
    saved = admin.submit(f"{ADMIN}/auftritt", {**values, "colour": "#0B5394"})
    assert saved.status_code == 303
    uploaded = admin.submit(
        f"{ADMIN}/auftritt/logo", files={"logo": ("wappen.svg", SVG, "image/svg+xml")}
    )
    assert uploaded.status_code == 303
    scripted = SVG.replace(b"<rect", b"<script>alert(1)</script><rect")
    refused = admin.submit(
        f"{ADMIN}/auftritt/logo", files={"logo": ("wappen.svg", scripted, "image/svg+xml")}
    )
    assert refused.status_code == 422
    assert "PNG- oder SVG-Datei" in main_text(refused)

    citizen = browser()
    portal = citizen.get(f"{DRESDEN}/").text
    assert '<a class="site-name" href="/dresden/">Stadt Dresden</a>' in portal
    theme = re.search(r'<link rel="stylesheet" href="(/dresden/gestaltung\.css[^"]*)">', portal)
    assert theme is not None
    assert "--kern-color-action-default: #0b5394;" in citizen.get(theme.group(1)).text
    logo = re.search(r'<img class="site-logo" src="([^"]+)"', portal)
    assert logo is not None
    image = citizen.get(logo.group(1))
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in image.headers["content-security-policy"]
    assert image.content == SVG
    imprint = citizen.get(f"{DRESDEN}/impressum").text
    # The municipality's text in paragraphs, never as HTML.
    assert "&lt;b&gt;Zweiter&lt;/b&gt; Absatz" in imprint
    assert "Körperschaft" not in imprint
    # The back office shows the same name; Radebeul keeps its own.
    assert "Stadt Dresden – Verwaltung" in admin.get(f"{ADMIN}/").text
    radebeul = citizen.get("/radebeul/").text
    assert "gestaltung.css" not in radebeul
    assert "site-logo" not in radebeul
    # Only an administrator may change it.
    clerk = logged_in(browser, "dd.clerk.a")
    assert clerk.get(f"{ADMIN}/auftritt").status_code == 403
    assert clerk.submit(f"{ADMIN}/auftritt", {"colour": "#000000"}).status_code == 403


def test_feedback_on_a_barrier_reaches_the_municipality_and_is_confirmed_to_the_sender(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    admin.submit(f"{ADMIN}/auftritt", {"contact_email": "barrierefrei@dresden.example"})
    citizen = browser()
    citizen.get(f"{DRESDEN}/barrierefreiheit")
    empty = citizen.submit(f"{DRESDEN}/barrierefreiheit", {"email": "kein", "message": ""})
    assert empty.status_code == 422
    summary = main_text(empty)
    assert "Bitte geben Sie Ihre E-Mail-Adresse an" in summary
    assert "Bitte beschreiben Sie" in summary
    too_long = citizen.submit(
        f"{DRESDEN}/barrierefreiheit", {"email": "erika@example.org", "message": "x" * 5001}
    )
    assert too_long.status_code == 422
    assert "höchstens 5.000 Zeichen" in main_text(too_long)
    assert mails(world) == []  # nothing sent for a refused form
    forged = citizen.client.post(
        f"{DRESDEN}/barrierefreiheit",
        data={"email": "erika@example.org", "message": "Hallo"},
        follow_redirects=False,
    )
    assert forged.status_code == 403  # no CSRF token: refused

    sent = citizen.submit(
        f"{DRESDEN}/barrierefreiheit",
        {
            "name": "Erika Mustermann",
            "email": "erika@example.org",
            "page": "Mängelmelder",
            "message": "Die Karte lässt sich mit der Tastatur nicht verschieben.",
        },
    )
    assert sent.status_code == 303
    thanks = citizen.get(sent.headers["location"])
    assert "Vielen Dank, Ihre Nachricht wurde gesendet" in main_text(thanks)
    delivered = {str(m["To"]): m for m in mails(world)}
    office = delivered["barrierefrei@dresden.example"]
    text = office.get_payload(decode=True).decode()
    assert "mit der Tastatur nicht verschieben" in text
    assert "erika@example.org" in text
    confirmation = delivered["erika@example.org"]
    subject = str(make_header(decode_header(str(confirmation["Subject"]))))
    assert subject == "Ihre Rückmeldung zur Barrierefreiheit – Dresden"
    assert "innerhalb eines Monats" in confirmation.get_payload(decode=True).decode()
