"""The digital session in a real browser (headless Chromium): the council office opens the
session and a vote from its console, a councillor votes by keyboard on their device, and
everybody reads the result on the live page; axe-core finds no WCAG 2.1 AA violation on any
of them (the pages as they are without automatic reloading, which is the visitor's choice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from smartcity.council.demo import Seeded
from smartcity.council.models import AgendaItem, Meeting, Person
from smartcity.council.permissions import COUNCIL_OFFICE, COUNCILLOR
from smartcity.council.session import running
from tests.conftest import World
from tests.council.conftest import add_staff
from tests.council.test_session import link
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

__all__ = ["chromium", "database_url", "new_page", "server"]


def test_a_vote_by_keyboard_and_its_result_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    meeting = council.meetings[3]
    base = f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}"
    add_staff(world, "dd.council", COUNCIL_OFFICE)
    add_staff(world, "dd.anna", COUNCILLOR)
    link(world, "dd.anna", council.persons[0])
    office = new_page()
    office.set_default_timeout(60_000)
    office.goto(f"/anmelden?next={base}/sitzungsleitung")
    log_in(office, "dd.council", f"{base}/sitzungsleitung")
    accessible(office)
    office.get_by_role("button", name="Sitzung eröffnen").click()
    office.wait_for_selector("text=Beschlussfähigkeit")
    with world.tenant(world.dresden) as db:
        held = db.get(Meeting, meeting.id)
        assert held is not None
        for person in council.persons[1:17]:
            found = db.get(Person, person.id)
            assert found is not None
            running.check_in(db, held, found, actor="test", by_office=True)
        item = db.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.order == 2)
        ).one()
        running.start_item(db, held, item.id, actor="test")
    office.goto(f"{base}/sitzungsleitung-abstimmung")
    accessible(office)
    office.get_by_role("button", name="Abstimmung eröffnen").click()
    office.wait_for_url(f"**{base}/sitzungsleitung")
    accessible(office)  # a vote in progress, the quorum, attendance, speakers' list

    councillor = new_page()
    councillor.set_default_timeout(60_000)
    councillor.goto(f"/anmelden?next={base}/sitzung")
    log_in(councillor, "dd.anna", f"{base}/sitzung")
    councillor.get_by_role("button", name="Anmelden (anwesend)").click()
    councillor.wait_for_selector("text=Sie sind angemeldet.")
    accessible(councillor)
    councillor.get_by_role("button", name="Ja", exact=True).focus()
    councillor.keyboard.press("Enter")
    councillor.wait_for_selector("text=Ihre Stimme wurde erfasst: Ja.")
    accessible(councillor)

    office.reload()
    office.get_by_role("button", name="Abstimmung schließen und Ergebnis zeigen").click()
    office.wait_for_selector("text=Stimmen nach Fraktionen")
    citizen = new_page()
    citizen.set_default_timeout(60_000)
    citizen.goto(f"/dresden/ratsinfo/sitzungen/{meeting.id}/live")
    assert "angenommen" in citizen.content()
    accessible(citizen)
