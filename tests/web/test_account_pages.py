"""Pages of one's own staff account, as a browser uses them: the code step of a login,
setting up an authenticator app (also when a role requires it), replacing an initial
password, one's sessions, and the password reset by e-mail."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest

from smartcity.core.identity import users
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.permissions import Role
from smartcity.core.settings import Settings
from tests.citizen.conftest import mails
from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser, main_text

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEW = "Elbwiesen im Morgennebel 2026"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mfa_required_roles": "admin"})


def set_up_app(staff: Browser) -> tuple[str, list[str]]:
    """Through the pages: returns the key shown for typing and the recovery codes."""
    page = staff.get("/zwei-faktor")
    assert page.status_code == 200
    assert 'action="/zwei-faktor/einrichten"' in page.text
    started = staff.submit("/zwei-faktor/einrichten")
    assert started.status_code == 303
    page = staff.get("/zwei-faktor")
    assert "<svg" in page.text  # the QR code, drawn by us
    assert 'aria-label="QR-Code für die Authenticator-App"' in page.text
    found = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert found
    secret = found.group(1).replace(" ", "")
    wrong = staff.submit("/zwei-faktor/bestaetigen", {"code": "000000"})
    assert wrong.status_code == 400
    assert "Der Code stimmt nicht" in main_text(wrong)
    done = staff.submit("/zwei-faktor/bestaetigen", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", done.text)
    assert len(codes) == 10
    assert "nur jetzt angezeigt" in main_text(done)
    return secret, codes


def test_a_clerk_sets_up_an_app_and_logs_in_with_a_code(
    browser: Callable[[], Browser], world: World
) -> None:
    clerk = browser()
    assert clerk.login("dd.clerk.a").status_code == 303
    assert 'href="/zwei-faktor"' in clerk.get("/verwaltung", follow_redirects=True).text
    secret, codes = set_up_app(clerk)
    assert "Wiederherstellungscodes übrig: 10" in main_text(clerk.get("/zwei-faktor"))

    laptop = browser()
    first = laptop.login("dd.clerk.a")
    assert first.status_code == 303
    assert first.headers["location"] == "/anmelden/code"
    # With the password alone, the back office stays closed.
    closed = laptop.get("/verwaltung", follow_redirects=False)
    assert closed.headers["location"].startswith("/anmelden")
    form = laptop.get("/anmelden/code")
    assert 'autocomplete="one-time-code"' in form.text
    wrong = laptop.submit("/anmelden/code", {"code": "123456"})
    assert wrong.status_code == 401
    assert "Der Code stimmt nicht" in main_text(wrong)
    later = pyotp.TOTP(secret).at(time.time() + 30)
    done = laptop.submit("/anmelden/code", {"code": later})
    assert done.status_code == 303
    assert done.headers["location"] == "/verwaltung"
    assert laptop.get("/verwaltung", follow_redirects=True).status_code == 200
    # A recovery code works once instead of the app.
    phone = browser()
    phone.login("dd.clerk.a")
    assert phone.submit("/anmelden/code", {"code": codes[0]}).status_code == 303
    again = browser()
    again.login("dd.clerk.a")
    assert again.submit("/anmelden/code", {"code": codes[0]}).status_code == 401


def test_guessing_codes_in_the_browser_is_stopped(
    browser: Callable[[], Browser], world: World
) -> None:
    clerk = browser()
    clerk.login("dd.clerk.a")
    set_up_app(clerk)
    guesser = browser()
    guesser.login("dd.clerk.a")
    statuses = [guesser.submit("/anmelden/code", {"code": f"{n:06d}"}) for n in range(4)]
    assert [s.status_code for s in statuses] == [401, 401, 401, 429]
    assert "Bitte warten Sie" in main_text(statuses[-1])


def test_an_admin_sets_up_the_app_before_anything_else(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = browser()
    first = admin.login("dd.admin")
    assert first.headers["location"] == "/zwei-faktor"
    users_page = "/dresden/verwaltung/benutzer"
    assert admin.get(users_page, follow_redirects=False).status_code == 303  # to the login
    page = admin.get("/zwei-faktor")
    assert "Ihre Rolle verlangt einen zweiten Faktor" in main_text(page)
    set_up_app(admin)
    assert admin.get(users_page).status_code == 200


def test_an_initial_password_is_replaced_at_the_first_login(
    browser: Callable[[], Browser], world: World
) -> None:
    with world.system() as db:
        user = users.create_user(
            db,
            username="neu.kollege",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
            initial_days=7,
        )
        users.assign_role(db, user, Role.OPERATOR, municipality=world.dresden, actor="test")
    newcomer = browser()
    first = newcomer.login("neu.kollege")
    assert first.headers["location"] == "/passwort"
    assert newcomer.get("/verwaltung", follow_redirects=False).status_code == 303
    page = newcomer.get("/passwort")
    assert "Ihre Verwaltung hat dieses Passwort für Sie festgelegt" in main_text(page)
    changed = newcomer.submit("/passwort", {"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert changed.status_code == 303
    assert changed.headers["location"] == "/verwaltung"
    assert newcomer.get("/verwaltung", follow_redirects=True).status_code == 200
    assert browser().login("neu.kollege", NEW).headers["location"] == "/verwaltung"


def test_the_sessions_page_lists_them_and_logs_out_elsewhere(
    browser: Callable[[], Browser], world: World
) -> None:
    desk = browser()
    desk.client.headers["User-Agent"] = FIREFOX
    desk.login("dd.clerk.a")
    phone = browser()
    phone.login("dd.clerk.a")
    page = desk.get("/sitzungen")
    assert page.status_code == 200
    text = main_text(page)
    assert "Firefox 133 (Linux) (diese Sitzung)" in text
    assert "testclient" in text
    ended = desk.submit("/sitzungen/abmelden")
    assert ended.status_code == 303
    assert "auf allen anderen Geräten abgemeldet" in main_text(desk.get(ended.headers["location"]))
    assert phone.get("/sitzungen", follow_redirects=False).status_code == 303  # logged out
    anonymous = browser().get("/sitzungen", follow_redirects=False)
    assert anonymous.headers["location"] == "/anmelden?next=/sitzungen"


def test_a_forgotten_password_is_reset_by_mail(
    browser: Callable[[], Browser], world: World
) -> None:
    with world.system() as db:
        clerk = db.get(UserAccount, world.accounts["dd.clerk.a"].id)
        assert clerk is not None
        clerk.email = "clerk.a@dresden.example"
    elsewhere = browser()
    elsewhere.login("dd.clerk.a")
    visitor = browser()
    assert 'href="/passwort-vergessen"' in visitor.get("/anmelden").text
    answers = [
        main_text(visitor.submit("/passwort-vergessen", {"account": account}))
        for account in ("clerk.a@dresden.example", "niemand@dresden.example")
    ]
    assert answers[0] == answers[1]  # nothing tells whether the account exists
    assert "Wenn ein Konto" in answers[0]
    sent = mails(world)
    assert len(sent) == 1
    body = sent[0].get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/passwort-zuruecksetzen\?token=[\w-]+)", body)
    assert link
    form = visitor.get(link.group(1))
    assert form.status_code == 200
    token = re.search(r'name="token" value="([\w-]+)"', form.text)
    assert token
    differ = visitor.submit(
        "/passwort-zuruecksetzen", {"token": token.group(1), "new": NEW, "repeat": "x"}
    )
    assert differ.status_code == 400
    done = visitor.submit(
        "/passwort-zuruecksetzen", {"token": token.group(1), "new": NEW, "repeat": NEW}
    )
    assert done.status_code == 303
    assert "Ihr Passwort wurde geändert" in main_text(visitor.get(done.headers["location"]))
    # Every session ended.
    assert elsewhere.get("/sitzungen", follow_redirects=False).status_code == 303
    assert visitor.get(link.group(1)).status_code == 410  # once only
    assert browser().login("dd.clerk.a", NEW).status_code == 303
