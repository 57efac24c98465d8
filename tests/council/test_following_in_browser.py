"""Following in a real browser (headless Chromium, Playwright): a signed-in citizen follows a
paper and a committee and stops again, and opens the unsubscribe link of a mail; axe-core
finds no WCAG 2.1 AA violation on any of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from smartcity.citizen import login as citizen_login
from smartcity.core.mail.models import OutgoingMail
from smartcity.council import following
from smartcity.council.demo import Seeded
from smartcity.council.models_following import Follow
from tests.conftest import World
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_following_and_unsubscribing_in_the_browser(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    paper = next(p for p in council.papers if p.public)
    committee = council.committees[0]
    with world.system() as db:
        token = citizen_login.start(
            db,
            {
                "iss": "https://id.example",
                "sub": "anna",
                "name": "Anna",
                "email": "anna@example.org",
                "email_verified": True,
            },
        )
    citizen = new_page()
    citizen.set_default_timeout(60_000)  # the shared test machine can be slow
    citizen.goto(f"/dresden/ratsinfo/vorlagen/{paper.id}")
    accessible(citizen)  # not signed in: the link to the citizen login
    # As the citizen login's callback would set it (127.0.0.1 is a secure context).
    citizen.evaluate(
        "([name, value]) => {"
        " document.cookie = `${name}=${value}; Path=/; Secure; SameSite=Lax`; }",
        [citizen_login.COOKIE, token],
    )
    citizen.reload()
    accessible(citizen)
    citizen.get_by_role("button", name="Dieser Vorlage per E-Mail folgen").click()
    citizen.wait_for_selector("text=Sie folgen per E-Mail.")
    accessible(citizen)
    citizen.get_by_role("button", name="E-Mails abbestellen").click()
    citizen.wait_for_selector("text=Dieser Vorlage per E-Mail folgen")

    citizen.goto(f"/dresden/ratsinfo/gremien/{committee.id}")
    button = citizen.get_by_role("button", name="Diesem Gremium per E-Mail folgen")
    button.focus()
    citizen.keyboard.press("Enter")
    citizen.wait_for_selector("text=Sie folgen per E-Mail.")
    accessible(citizen)

    # A mail's link, opened by someone not signed in.
    with world.tenant(world.dresden) as db:
        found = db.scalars(select(Follow)).one()
        link = following.token_of(world.platform.settings.require_secret_key(), found)
        assert db.scalars(select(OutgoingMail)).all() == []
    visitor = new_page()
    visitor.set_default_timeout(60_000)
    visitor.goto(f"/dresden/ratsinfo/abbestellen/{link}")
    assert re.search("Sie erhalten E-Mails zu „[^“]+“", visitor.content())
    accessible(visitor)
    visitor.get_by_role("button", name="E-Mails abbestellen").click()
    visitor.wait_for_selector("text=Sie erhalten keine E-Mails mehr dazu.")
    accessible(visitor)
