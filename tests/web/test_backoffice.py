"""The staff back office: login, inbox, working a case to a decision, review queues and
administration, as clerks and administrators use it."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from smartcity.modules import installed_modules
from tests.citizen.conftest import PNG
from tests.conftest import World
from tests.web.conftest import PDF, Browser, main_text

DRESDEN = "/dresden"
ADMIN = f"{DRESDEN}/verwaltung"
OWNER = {"name": "Erika Mustermann", "street": "Altmarkt 1", "postcode": "01067", "city": "Dresden"}
DOG = {"dog_name": "Bello", "breed": "Dackel", "since": "2026-11-01"}


def apply(browser: Callable[[], Browser], key: str) -> str:
    """A dog-tax application sent through the portal; returns its tracking code."""
    citizen = browser()
    citizen.get(f"{DRESDEN}/dienste/{key}")
    citizen.submit(f"{DRESDEN}/dienste/{key}/antrag")
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3", files={"insurance": ("v.pdf", PDF, "application/pdf")}
    )
    location = citizen.submit(f"{DRESDEN}/antrag/absenden").headers["location"]
    found = re.search(r"/status/([0-9A-Z-]{14})", location)
    assert found is not None
    return found.group(1)


def logged_in(browser: Callable[[], Browser], username: str) -> Browser:
    staff = browser()
    assert staff.login(username).status_code == 303
    return staff


def case_id_of(clerk: Browser, code: str) -> int:
    inbox = clerk.get(f"{ADMIN}/vorgaenge")
    found = re.search(r'href="vorgaenge/(\d+)">' + code, inbox.text)
    assert found is not None, main_text(inbox)
    return int(found.group(1))


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_back_office_pages_send_an_anonymous_visitor_to_the_login_and_back(
    browser: Callable[[], Browser], world: World
) -> None:
    visitor = browser()
    sent_away = visitor.get(f"{ADMIN}/vorgaenge", follow_redirects=False)
    assert sent_away.status_code == 303
    assert sent_away.headers["location"] == f"/anmelden?next={ADMIN}/vorgaenge"
    login_page = visitor.get(sent_away.headers["location"])
    assert f'name="next" value="{ADMIN}/vorgaenge"' in login_page.text

    wrong = visitor.submit(
        "/anmelden", {"username": "dd.clerk.a", "password": "wrong", "next": f"{ADMIN}/vorgaenge"}
    )
    assert wrong.status_code == 401
    assert "Benutzername oder Passwort ist falsch" in main_text(wrong)
    right = visitor.login("dd.clerk.a")
    assert right.headers["location"] == "/verwaltung"
    assert visitor.get("/verwaltung", follow_redirects=False).headers["location"] == (f"{ADMIN}/")
    # A login form cannot send the user to another site afterwards.
    visitor.get("/anmelden?next=//evil.example/")
    again = visitor.submit(
        "/anmelden",
        {
            "username": "dd.clerk.a",
            "password": "correct horse battery staple",
            "next": "//evil.example/",
        },
    )
    assert again.headers["location"] == "/verwaltung"


def test_a_clerk_takes_a_case_from_the_inbox_to_a_decision_the_citizen_then_sees(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    clerk = logged_in(browser, "dd.clerk.a")
    case_id = case_id_of(clerk, code)
    case_url = f"{ADMIN}/vorgaenge/{case_id}"
    page = clerk.get(case_url)
    assert "Erika Mustermann" in main_text(page)

    assigned = clerk.submit(
        case_url, {"action": "assign", "assignee": "me", "version": version_of(page.text)}
    )
    assert assigned.status_code == 303
    page = clerk.get(case_url)
    moved = clerk.submit(
        case_url,
        {"action": "status", "status": "in_bearbeitung", "version": version_of(page.text)},
    )
    assert moved.status_code == 303
    clerk.submit(case_url, {"action": "message", "message-text": "Bitte Chipnummer nachreichen."})
    clerk.submit(case_url, {"action": "note", "note-text": "Rasse geprüft."})
    page = clerk.get(case_url)
    assert "In Bearbeitung" in main_text(page)
    decision = {
        "action": "decide",
        "outcome": "approved",
        "decision-text": "Die Steuermarke liegt bei.",
        "version": version_of(page.text),
    }
    # The clerk first reads the decision as the applicant will get it; nothing is issued yet.
    preview = clerk.submit(case_url, decision)
    assert preview.status_code == 200
    shown = main_text(preview)
    assert "Bescheid prüfen" in shown
    assert "Ihrem Antrag wird stattgegeben." in shown
    assert "Die Steuermarke liegt bei." in shown
    assert "Die Steuermarke liegt bei." not in main_text(browser().get(f"{DRESDEN}/status/{code}"))
    decided = clerk.submit(case_url, {**decision, "confirmed": "yes"})
    assert decided.status_code == 303

    status = main_text(browser().get(f"{DRESDEN}/status/{code}"))
    assert "Bitte Chipnummer nachreichen." in status
    assert "Ihrem Antrag wird stattgegeben." in status
    assert "Die Steuermarke liegt bei." in status
    assert "Rasse geprüft." not in status  # internal notes stay internal


def test_a_change_made_on_an_old_page_is_refused_instead_of_overwriting(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    first, second = logged_in(browser, "dd.clerk.a"), logged_in(browser, "dd.admin")
    case_url = f"{ADMIN}/vorgaenge/{case_id_of(first, code)}"
    seen_by_first = version_of(first.get(case_url).text)
    seen_by_second = version_of(second.get(case_url).text)
    assert (
        second.submit(
            case_url, {"action": "status", "status": "in_bearbeitung", "version": seen_by_second}
        ).status_code
        == 303
    )
    stale = first.submit(
        case_url, {"action": "status", "status": "abgeschlossen", "version": seen_by_first}
    )
    assert stale.status_code == 412
    assert "inzwischen geändert" in main_text(stale)
    assert "In Bearbeitung" in main_text(first.get(case_url))


def test_a_clerk_of_another_department_neither_lists_nor_opens_the_case(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    case_id = case_id_of(logged_in(browser, "dd.clerk.a"), code)
    other = logged_in(browser, "dd.clerk.b")
    assert code not in other.get(f"{ADMIN}/vorgaenge").text
    assert other.get(f"{ADMIN}/vorgaenge/{case_id}").status_code == 403
    # Nor does Radebeul's administrator, on Radebeul's pages or on Dresden's.
    radebeul = logged_in(browser, "rb.admin")
    assert radebeul.get(f"{ADMIN}/vorgaenge/{case_id}").status_code == 403
    assert radebeul.get(f"/radebeul/verwaltung/vorgaenge/{case_id}").status_code == 404


def test_the_inbox_filters_by_state_and_deadline(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    clerk = logged_in(browser, "dd.clerk.a")
    assert code in clerk.get(f"{ADMIN}/vorgaenge?status=eingegangen").text
    assert code not in clerk.get(f"{ADMIN}/vorgaenge?status=entschieden").text
    assert code not in clerk.get(f"{ADMIN}/vorgaenge?overdue=yes").text
    assert code in clerk.get(f"{ADMIN}/vorgaenge?assignee=none").text
    assert clerk.get(f"{ADMIN}/vorgaenge?age=abc").status_code == 422


def test_flagged_water_meter_readings_are_confirmed_from_the_review_queue(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    # 400 m³ in a year for two people is far above 300 l per person and day: flagged.
    reading = {"meter_number": "WZ-1", "reading": "400", "read_on": "2026-11-20"}
    citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {**reading, "confirmed": "yes", "confirmed_reading": "400", "confirmed_meter": "WZ-1"},
    )
    operator = logged_in(browser, "dd.operator")
    queue = operator.get(f"{ADMIN}/wasserzaehler")
    assert "Zähler WZ-1" in main_text(queue)
    reading_id = re.search(r'action="wasserzaehler/(\d+)"', queue.text)
    assert reading_id is not None
    confirmed = operator.submit(
        f"{ADMIN}/wasserzaehler/{reading_id.group(1)}", {"decision": "confirm"}
    )
    assert confirmed.status_code == 303
    assert "Keine Zählerstände warten auf Prüfung" in main_text(
        operator.get(f"{ADMIN}/wasserzaehler")
    )
    # A clerk has no business there.
    assert logged_in(browser, "dd.clerk.a").get(f"{ADMIN}/wasserzaehler").status_code == 403


def test_an_administrator_creates_a_clerk_who_can_then_log_in(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    missing = admin.submit(
        f"{ADMIN}/benutzer",
        {
            "action": "create",
            "username": "dd.neu",
            "password": "a long enough passphrase",
            "role": "case_worker",
            "department": "",
        },
    )
    assert missing.status_code == 422
    assert "Fachbereich" in main_text(missing)
    created = admin.submit(
        f"{ADMIN}/benutzer",
        {
            "action": "create",
            "username": "dd.neu",
            "display_name": "Neue Kollegin",
            "password": "a long enough passphrase",
            "role": "case_worker",
            "department": "Bürgeramt",
        },
    )
    assert created.status_code == 303
    assert "Neue Kollegin" in main_text(admin.get(f"{ADMIN}/benutzer"))
    newcomer = browser()
    assert newcomer.login("dd.neu", "a long enough passphrase").status_code == 303
    assert newcomer.get(f"{ADMIN}/vorgaenge").status_code == 200
    # The auditor may look at the list, not change it.
    auditor = logged_in(browser, "dd.auditor")
    assert auditor.get(f"{ADMIN}/benutzer").status_code == 200
    assert "Konto anlegen" not in auditor.get(f"{ADMIN}/benutzer").text
    assert auditor.submit(f"{ADMIN}/benutzer", {"action": "create"}).status_code == 403


def test_an_administrator_locks_a_clerk_out_and_lets_them_in_again(
    browser: Callable[[], Browser], world: World
) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    admin = logged_in(browser, "dd.admin")
    clerk_id = world.accounts["dd.clerk.a"].id
    page = admin.get(f"{ADMIN}/benutzer")
    assert f'action="benutzer/{clerk_id}/sperre"' in page.text
    assert f'action="benutzer/{world.accounts["dd.admin"].id}/sperre"' not in page.text
    asked = admin.submit(f"{ADMIN}/benutzer/{clerk_id}/sperre", {"active": "0"})
    assert asked.status_code == 200
    assert "Das Konto von dd.clerk.a sperren?" in main_text(asked)
    assert clerk.get(f"{ADMIN}/vorgaenge").status_code == 200  # asking locked nobody out
    locked = admin.submit(
        f"{ADMIN}/benutzer/{clerk_id}/sperre", {"active": "0", "confirmed": "yes"}
    )
    assert locked.status_code == 303
    assert "gesperrt" in main_text(admin.get(f"{ADMIN}/benutzer"))
    assert clerk.get(f"{ADMIN}/vorgaenge", follow_redirects=False).status_code == 303  # to login
    assert browser().login("dd.clerk.a").status_code != 303
    admin.submit(f"{ADMIN}/benutzer/{clerk_id}/sperre", {"active": "1"})
    assert browser().login("dd.clerk.a").status_code == 303


def test_an_api_key_is_shown_once_works_and_can_be_revoked(
    browser: Callable[[], Browser], world: World
) -> None:
    steward = logged_in(browser, "dd.steward")
    created = steward.submit(
        f"{ADMIN}/api-schluessel", {"action": "create", "name": "Pegel Elbe", "scopes": "sta:write"}
    )
    assert created.status_code == 201
    secret = re.search(r'<p class="secret" id="new-key">([^<]+)</p>', created.text)
    assert secret is not None
    device = browser().client
    things = device.get(
        f"{DRESDEN}/sta/v1.1/Things", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert things.status_code == 200
    listing = steward.get(f"{ADMIN}/api-schluessel")
    assert secret.group(1) not in listing.text  # never shown again
    key_id = re.search(r'name="key_id" value="(\d+)"', listing.text)
    assert key_id is not None
    steward.submit(
        f"{ADMIN}/api-schluessel",
        {"action": "revoke", "key_id": key_id.group(1), "confirmed": "yes"},
    )
    refused = device.get(
        f"{DRESDEN}/sta/v1.1/Things", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert refused.status_code == 401


def test_the_audit_log_viewer_shows_entries_and_the_verified_chain(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    apply(browser, dog_tax)
    auditor = logged_in(browser, "dd.auditor")
    page = auditor.get(f"{ADMIN}/protokoll")
    assert "Geprüft: Die" in main_text(page)
    assert "case.create" in page.text or "submission" in page.text
    assert logged_in(browser, "dd.clerk.a").get(f"{ADMIN}/protokoll").status_code == 403


def test_logging_out_ends_the_session(browser: Callable[[], Browser], world: World) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    assert clerk.get(f"{ADMIN}/").status_code == 200
    assert clerk.submit("/abmelden").headers["location"] == "/anmelden"
    assert clerk.get(f"{ADMIN}/", follow_redirects=False).status_code == 303


def test_ids_and_months_out_of_range_are_refused_not_a_server_error(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    admin = logged_in(browser, "dd.admin")
    case_url = f"{ADMIN}/vorgaenge/{case_id_of(admin, code)}"
    version = version_of(admin.get(case_url).text)
    huge = "9" * 30
    assigned = admin.submit(case_url, {"action": "assign", "assignee": huge, "version": version})
    assert assigned.status_code < 500
    revoked = admin.submit(f"{ADMIN}/api-schluessel", {"action": "revoke", "key_id": huge})
    assert revoked.status_code == 303
    role = admin.submit(
        f"{ADMIN}/benutzer", {"action": "revoke", "user_id": huge, "role": "auditor"}
    )
    assert role.status_code == 422
    assert admin.get(f"{ADMIN}/cockpit/energie?monat=2026-13").status_code == 422
    assert admin.get(f"{ADMIN}/protokoll?before={huge}").status_code == 422


def test_a_clerk_releases_the_photo_of_a_defect_report_after_looking_at_it(
    browser: Callable[[], Browser], report_categories: None
) -> None:
    citizen = browser()
    filed = citizen.submit(
        f"{DRESDEN}/maengel/melden",
        {
            "kategorie": "strassenschaden",
            "description": "Loch",
            "attribute-flaeche": "fahrbahn",
            "lat": "51.05",
            "lon": "13.74",
        },
        files={"photo": ("loch.png", PNG, "image/png")},
    )
    assert filed.status_code == 201
    public = f"{DRESDEN}/open311/v2/requests.json"
    assert citizen.get(public).json()[0]["media_url"] == ""

    clerk = logged_in(browser, "dd.admin")
    inbox = clerk.get(f"{ADMIN}/vorgaenge")
    case_id = re.findall(r'href="vorgaenge/(\d+)"', inbox.text)[0]
    page = clerk.get(f"{ADMIN}/vorgaenge/{case_id}")
    assert "Das Foto der Meldung ist nicht öffentlich" in main_text(page)
    released = clerk.submit(f"{ADMIN}/vorgaenge/{case_id}", {"action": "photo-show"})
    assert released.status_code == 303
    page = clerk.get(released.headers["location"])
    assert "Das Foto der Meldung ist öffentlich sichtbar" in main_text(page)
    assert "/open311/v2/media/" in citizen.get(public).json()[0]["media_url"]


def navigation(page: httpx.Response) -> list[str]:
    found = re.search(r'<nav class="wrap main-nav".*?</ul>', page.text, re.S)
    assert found is not None
    return re.findall(r"<a [^>]*>([^<]+)</a>", found.group(0))


def test_each_member_of_staff_sees_only_the_areas_their_roles_open(
    browser: Callable[[], Browser], world: World
) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    overview = clerk.get(f"{ADMIN}/")
    assert navigation(overview) == ["Übersicht", "Posteingang", "Mängelmeldungen"]
    assert "Leuchtenstörungen" not in main_text(overview)
    # The cockpit answers a clerk as any page their role does not open.
    cockpit, audit = clerk.get(f"{ADMIN}/cockpit"), clerk.get(f"{ADMIN}/protokoll")
    assert cockpit.status_code == audit.status_code == 403
    assert main_text(cockpit) == main_text(audit)
    assert clerk.get(f"{ADMIN}/cockpit/lampen.geojson").status_code == 403
    assert clerk.get(f"{ADMIN}/cockpit/live").status_code == 403

    operator = logged_in(browser, "dd.operator")
    page = operator.get(f"{ADMIN}/")
    assert navigation(page) == ["Übersicht", "Wasserzähler prüfen", "Stadt-Cockpit"]
    assert "Offene Leuchtenstörungen" in main_text(page)
    assert navigation(logged_in(browser, "dd.admin").get(f"{ADMIN}/")) == [
        "Übersicht",
        "Posteingang",
        "Mängelmeldungen",
        "Wasserzähler prüfen",
        "Kanal",
        "Stadt-Cockpit",
        "Föderation",
        "Beteiligung",
        "Ratsinformationen",
        "Moderation",
        "Freizeit",
        "ÖPNV",
        "Benutzer und Rollen",
        "Einlass",
        "Ladepunkte",
        "Gebäudeenergie",
        "WLAN",
        "API-Schlüssel",
        "Protokoll",
        "Webauftritt",
        "Offene Daten",
    ]
    # Press and communications write the channel and run participation, nothing else.
    assert navigation(logged_in(browser, "dd.press").get(f"{ADMIN}/")) == [
        "Übersicht",
        "Kanal",
        "Föderation",
        "Beteiligung",
    ]


def test_no_two_modules_declare_the_same_navigation_entry() -> None:
    registry = installed_modules()
    staff = [entry.path for module in registry for entry in module.navigation]
    portal = [entry.path for module in registry for entry in module.portal_navigation]
    assert len(staff) == len(set(staff))
    assert len(portal) == len(set(portal))


def test_revoking_a_key_asks_first_and_says_what_it_breaks(
    browser: Callable[[], Browser], world: World
) -> None:
    steward = logged_in(browser, "dd.steward")
    created = steward.submit(
        f"{ADMIN}/api-schluessel", {"action": "create", "name": "Simulator", "scopes": "sta:write"}
    )
    secret = re.search(r'<p class="secret" id="new-key">([^<]+)</p>', created.text)
    assert secret is not None
    device = browser().client
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert device.get(f"{DRESDEN}/sta/v1.1/Things", headers=bearer).status_code == 200
    listing = main_text(steward.get(f"{ADMIN}/api-schluessel"))
    # The action and the state are different words.
    assert "Schlüssel widerrufen …" in listing
    assert "in Gebrauch" in listing
    key_id = re.search(r'name="key_id" value="(\d+)"', steward.get(f"{ADMIN}/api-schluessel").text)
    assert key_id is not None

    # One click only asks: the key still works.
    question = steward.submit(
        f"{ADMIN}/api-schluessel", {"action": "revoke", "key_id": key_id.group(1)}
    )
    assert question.status_code == 200
    text = main_text(question)
    assert "Den API-Schlüssel „Simulator“ widerrufen?" in text
    assert "zuletzt benutzt am" in text
    assert 'name="confirmed" value="yes"' in question.text
    assert 'href="/dresden/verwaltung/api-schluessel"' in question.text  # a way back
    assert device.get(f"{DRESDEN}/sta/v1.1/Things", headers=bearer).status_code == 200

    steward.submit(
        f"{ADMIN}/api-schluessel",
        {"action": "revoke", "key_id": key_id.group(1), "confirmed": "yes"},
    )
    assert device.get(f"{DRESDEN}/sta/v1.1/Things", headers=bearer).status_code == 401
    listing = main_text(steward.get(f"{ADMIN}/api-schluessel"))
    assert "Widerrufen am" in listing
    assert "Schlüssel widerrufen …" not in listing


def test_removing_a_role_asks_first(browser: Callable[[], Browser], world: World) -> None:
    admin = logged_in(browser, "dd.admin")
    auditor_id = str(world.accounts["dd.auditor"].id)
    remove = {"action": "revoke", "user_id": auditor_id, "role": "auditor"}
    question = admin.submit(f"{ADMIN}/benutzer", remove)
    assert question.status_code == 200
    assert "Die Rolle „Revision“ von dd.auditor entfernen?" in main_text(question)
    assert logged_in(browser, "dd.auditor").get(f"{ADMIN}/protokoll").status_code == 200
    assert admin.submit(f"{ADMIN}/benutzer", {**remove, "confirmed": "yes"}).status_code == 303
    assert logged_in(browser, "dd.auditor").get(f"{ADMIN}/protokoll").status_code == 403


def test_a_case_worker_role_is_removed_without_naming_the_department_again(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    clerk_id = str(world.accounts["dd.clerk.a"].id)
    removed = admin.submit(
        f"{ADMIN}/benutzer",
        {"action": "revoke", "user_id": clerk_id, "role": "case_worker", "confirmed": "yes"},
    )
    assert removed.status_code == 303
    assert logged_in(browser, "dd.clerk.a").get(f"{ADMIN}/vorgaenge").status_code == 403


def test_api_key_rights_are_named_in_the_page_language(
    browser: Callable[[], Browser], world: World
) -> None:
    steward = logged_in(browser, "dd.steward")
    steward.submit(
        f"{ADMIN}/api-schluessel", {"action": "create", "name": "Pegel", "scopes": "sta:write"}
    )
    german = main_text(steward.get(f"{ADMIN}/api-schluessel"))
    assert "SensorThings-Objekte und Messwerte anlegen und ändern (Geräte)" in german
    assert "Create and change SensorThings" not in german
    english = main_text(steward.get(f"{ADMIN}/api-schluessel?lang=en"))
    assert "Create and change SensorThings entities and observations (devices)" in english
