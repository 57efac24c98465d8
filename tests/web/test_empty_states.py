"""Empty pages say why they are empty and what to do next, instead of an empty table (issue 21:
"empty states that offer a next step")."""

from __future__ import annotations

import re
from collections.abc import Callable

from smartcity.core.audit.services import record
from tests.conftest import World
from tests.web.conftest import Browser, main_text
from tests.web.test_backoffice import ADMIN, apply, logged_in


def empty_state(page_html: str) -> str:
    found = re.search(r'<div class="empty" id="leer">(.*?)</div>', page_html, re.S)
    assert found is not None, "the page shows no empty state"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_an_empty_inbox_says_where_cases_come_from_and_a_filter_without_hits_how_to_widen_it(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    empty = clerk.get(f"{ADMIN}/vorgaenge")
    assert "<table" not in empty.text.split("<main", 1)[1]
    text = empty_state(empty.text)
    assert "Der Posteingang ist leer" in text
    assert 'href="/dresden/"' in empty.text
    english = empty_state(clerk.get(f"{ADMIN}/vorgaenge?lang=en").text)
    assert "The inbox is empty" in english

    apply(browser, dog_tax)
    assert 'id="leer"' not in clerk.get(f"{ADMIN}/vorgaenge").text
    nothing = clerk.get(f"{ADMIN}/vorgaenge?q=Niemand&lang=de")
    assert "Kein Vorgang passt zu diesen Filtern." in empty_state(nothing.text)
    assert '<a href="vorgaenge">alle Vorgänge anzeigen</a>' in nothing.text


def test_the_api_keys_page_without_keys_leads_to_the_form_for_the_first(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    page = admin.get(f"{ADMIN}/api-schluessel")
    text = empty_state(page.text)
    assert "Es gibt noch keinen API-Schlüssel." in text
    assert 'href="#neuer-schluessel"' in page.text
    assert 'id="neuer-schluessel"' in page.text
    admin.submit(
        f"{ADMIN}/api-schluessel", {"action": "create", "name": "Pegel", "scopes": "sta:write"}
    )
    shown = admin.get(f"{ADMIN}/api-schluessel")
    assert 'id="leer"' not in shown.text
    assert "Pegel" in main_text(shown)


def test_an_audit_log_filter_without_hits_says_how_to_widen_it(
    browser: Callable[[], Browser], world: World
) -> None:
    auditor = logged_in(browser, "dd.auditor")
    assert 'id="leer"' not in auditor.get(f"{ADMIN}/protokoll").text
    page = auditor.get(f"{ADMIN}/protokoll?von=2999-01-01")
    assert "Kein Eintrag passt zu diesen Filtern." in empty_state(page.text)
    assert '<a href="protokoll">alle Einträge anzeigen</a>' in page.text
    english = auditor.get(f"{ADMIN}/protokoll?von=2999-01-01&lang=en")
    assert "No entries match these filters." in empty_state(english.text)


def test_the_audit_log_names_the_command_line_and_a_logo_s_fields_in_words(
    browser: Callable[[], Browser], world: World
) -> None:
    with world.tenant(world.dresden) as db:
        record(
            db,
            actor="cli",
            action="municipality.logo",
            resource_type="municipality",
            resource_id=1,
            changes={"type": "image/png", "bytes": 663},
        )
    page = main_text(logged_in(browser, "dd.auditor").get(f"{ADMIN}/protokoll?wer=cli"))
    assert "Kommandozeile (Betrieb)" in page
    assert "Dateityp: image/png" in page
    assert "Größe in Bytes: 663" in page
