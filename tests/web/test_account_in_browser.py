"""One's own account in a real browser (Chromium): setting up the authenticator app from
the QR page, the code step of the next login, a passkey registered and used with Chromium's
virtual authenticator (DevTools protocol), the sessions page and the password-reset pages —
each checked by axe-core for WCAG 2.1 A/AA violations.

Served as http://localhost:PORT, which is also `SMARTCITY_PUBLIC_URL`: WebAuthn takes its
relying party from there, and an IP address cannot be one."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
import uvicorn
from fastapi import FastAPI

from smartcity.core.settings import Settings
from tests.conftest import World
from tests.web.test_in_browser import (  # noqa: F401 - fixtures
    _free_port,
    accessible,
    chromium,
    log_in,
    new_page,
)


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"public_url": f"http://localhost:{port}"})


@pytest.fixture
def server(app: FastAPI, world: World, port: int) -> Iterator[str]:
    running = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://localhost:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_setting_up_the_app_and_logging_in_with_a_code_is_accessible(
    new_page: Callable[[], Any],  # noqa: F811
    world: World,
) -> None:
    page = new_page()
    page.goto("/anmelden")
    accessible(page)
    log_in(page, "dd.clerk.a", "/verwaltung/")
    page.goto("/zwei-faktor")
    accessible(page)
    page.get_by_role("button", name="Authenticator-App einrichten").click()
    page.wait_for_url("**/zwei-faktor")
    assert page.get_by_role("img", name="QR-Code für die Authenticator-App").is_visible()
    accessible(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("#feld-code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Einschalten").click()
    page.get_by_role("heading", name="Ihre Wiederherstellungscodes").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    accessible(page)
    page.goto("/sitzungen")
    accessible(page)

    laptop = new_page()
    laptop.goto("/anmelden")
    laptop.fill("#feld-username", "dd.clerk.a")
    laptop.fill("#feld-password", "correct horse battery staple")
    laptop.get_by_role("button", name="Anmelden").click()
    laptop.wait_for_url("**/anmelden/code")
    laptop.fill("#feld-code", "000000")
    laptop.get_by_role("button", name="Bestätigen").click()
    laptop.get_by_role("alert").wait_for()  # the error summary
    accessible(laptop)
    laptop.fill("#feld-code", pyotp.TOTP(secret).at(time.time() + 30))
    laptop.get_by_role("button", name="Bestätigen").click()
    laptop.wait_for_url(re.compile(r".*/verwaltung/?$"))


def test_the_password_reset_pages_are_accessible(
    new_page: Callable[[], Any],  # noqa: F811
    world: World,
) -> None:
    page = new_page()
    page.goto("/anmelden")
    page.get_by_role("link", name="Passwort vergessen?").click()
    page.wait_for_url("**/passwort-vergessen")
    accessible(page)
    page.fill("#feld-account", "niemand@dresden.example")
    page.get_by_role("button", name="Link senden").click()
    page.get_by_role("status").wait_for()
    accessible(page)
    page.goto("/passwort-zuruecksetzen?token=erfunden")
    accessible(page)


def test_a_passkey_is_registered_and_then_confirms_the_login(
    new_page: Callable[[], Any],  # noqa: F811
    world: World,
) -> None:
    page = new_page()
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto("/anmelden")
    log_in(page, "dd.clerk.a", "/verwaltung/")
    page.goto("/zwei-faktor")
    page.fill("#feld-name", "Laptop")
    page.get_by_role("button", name="Passkey hinzufügen").click()
    # The first second factor of the account: recovery codes come with it.
    page.get_by_role("heading", name="Ihre Wiederherstellungscodes").wait_for()
    page.goto("/zwei-faktor")
    assert "Laptop" in page.locator("main").inner_text()
    accessible(page)
    page.goto("/dresden/verwaltung/")
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/anmelden")

    page.fill("#feld-username", "dd.clerk.a")
    page.fill("#feld-password", "correct horse battery staple")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/anmelden/code")
    accessible(page)
    page.get_by_role("button", name="Mit Passkey bestätigen").click()
    page.wait_for_url(re.compile(r".*/verwaltung/?$"))
    page.goto("/sitzungen")
    assert page.get_by_text("diese Sitzung").is_visible()
