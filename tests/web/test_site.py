"""Pages of the instance: a staff member changes their own password in the browser."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser, main_text

NEW_PASSWORD = "Elbwiesen im Morgennebel 2026"


def logged_in(browser: Callable[[], Browser], username: str) -> Browser:
    staff = browser()
    assert staff.login(username).status_code == 303
    return staff


def test_staff_change_their_own_password(browser: Callable[[], Browser], world: World) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    elsewhere = logged_in(browser, "dd.clerk.a")  # the same account on another device
    assert 'href="/passwort"' in clerk.get("/verwaltung", follow_redirects=True).text
    form = clerk.get("/passwort")
    assert form.status_code == 200
    assert 'autocomplete="current-password"' in form.text
    changed = clerk.submit(
        "/passwort", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert changed.status_code == 303
    assert "Ihr Passwort wurde geändert" in main_text(clerk.get(changed.headers["location"]))
    # This browser stays logged in, the other device is logged out.
    assert clerk.get("/verwaltung").status_code in (200, 303)
    assert clerk.get("/passwort").status_code == 200
    assert elsewhere.get("/passwort", follow_redirects=False).status_code == 303
    assert browser().login("dd.clerk.a").status_code == 401
    assert browser().login("dd.clerk.a", NEW_PASSWORD).status_code == 303


def test_mistakes_are_explained_and_change_nothing(
    browser: Callable[[], Browser], world: World
) -> None:
    clerk = logged_in(browser, "dd.clerk.a")
    cases = [
        ({"current": "falsch", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}, 403, "bisherige"),
        ({"current": PASSWORD, "new": NEW_PASSWORD, "repeat": "anders"}, 400, "stimmen nicht"),
        ({"current": PASSWORD, "new": "kurz", "repeat": "kurz"}, 400, "mindestens 8 Zeichen"),
        ({"current": PASSWORD, "new": "dd.clerk.a", "repeat": "dd.clerk.a"}, 400, "Benutzername"),
    ]
    for fields, status, message in cases:
        answer = clerk.submit("/passwort", fields)
        assert answer.status_code == status, fields
        assert message in main_text(answer)
        assert 'role="alert"' in answer.text  # the error summary is announced
    assert browser().login("dd.clerk.a").status_code == 303  # the old password still works


def test_the_page_needs_a_login_and_the_form_its_token(
    browser: Callable[[], Browser], world: World
) -> None:
    visitor = browser()
    page = visitor.get("/passwort", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/anmelden?next=/passwort"
    clerk = logged_in(browser, "dd.clerk.a")
    forged = clerk.client.post(
        "/passwort",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert browser().login("dd.clerk.a").status_code == 303


def test_guessing_the_current_password_is_stopped(
    browser: Callable[[], Browser], world: World
) -> None:
    """Guesses count like failed logins: a stolen session cannot try passwords forever."""
    clerk = logged_in(browser, "dd.clerk.a")
    wrong = {"current": "geraten", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    statuses = []
    for _ in range(10):
        answer = clerk.submit("/passwort", wrong)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert statuses[0] == 403
    assert statuses[-1] == 429  # stopped after the policy's number of failures
    assert "Bitte warten Sie" in main_text(answer)
    assert int(answer.headers["Retry-After"]) > 0
