"""Self-service password reset by e-mail: the same answer for every name and address, a
link that works once and not for long, and afterwards no session from before."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from smartcity.core.db import utcnow
from smartcity.core.identity.models import PasswordReset, UserAccount
from tests.citizen.conftest import mails
from tests.conftest import PASSWORD, World, login

NEW = "Frühling an der Elbe 2027"


def give_address(world: World, username: str, address: str) -> None:
    with world.system() as db:
        user = db.get(UserAccount, world.accounts[username].id)
        assert user is not None
        user.email = address


def link_token(world: World) -> str:
    body = mails(world)[-1].get_payload(decode=True).decode()
    found = re.search(r"/passwort-zuruecksetzen\?token=([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def test_the_answer_is_the_same_for_every_account(client: TestClient, world: World) -> None:
    give_address(world, "dd.clerk.a", "clerk.a@dresden.example")
    answers = [
        client.post("/auth/password-reset", json={"account": account})
        for account in ("dd.clerk.a", "niemand", "clerk.a@dresden.example", "x@y.example")
    ]
    assert {a.status_code for a in answers} == {202}
    assert {a.content for a in answers} == {b""}
    assert len({tuple(sorted(set(a.headers) - {"date", "x-request-id"})) for a in answers}) == 1
    # Two mails, both to the clerk: one asked by name, one by address.
    assert [m["To"] for m in mails(world)] == ["clerk.a@dresden.example"] * 2


def test_a_clerk_resets_the_password_and_every_session_ends(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    give_address(world, "dd.clerk.a", "clerk.a@dresden.example")
    laptop = new_client()
    login(laptop, "dd.clerk.a")
    assert client.post("/auth/password-reset", json={"account": "DD.Clerk.A"}).status_code == 202
    token = link_token(world)
    weak = client.post("/auth/password-reset/confirm", json={"token": token, "new_password": "1"})
    assert weak.status_code == 422
    done = client.post("/auth/password-reset/confirm", json={"token": token, "new_password": NEW})
    assert done.status_code == 204
    assert laptop.get("/auth/me").status_code == 401
    again = client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": NEW + "!"}
    )
    assert again.status_code == 410  # once only
    old = new_client().post("/auth/login", json={"username": "dd.clerk.a", "password": PASSWORD})
    assert old.status_code == 401
    login(new_client(), "dd.clerk.a", NEW)
    with world.system() as db:
        stored = db.query(PasswordReset).one()
        assert stored.token_hash != token  # only a digest is kept


def test_a_link_expires(client: TestClient, world: World) -> None:
    give_address(world, "dd.clerk.a", "clerk.a@dresden.example")
    client.post("/auth/password-reset", json={"account": "dd.clerk.a"})
    token = link_token(world)
    with world.system() as db:
        db.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    late = client.post("/auth/password-reset/confirm", json={"token": token, "new_password": NEW})
    assert late.status_code == 410
    unknown = client.post(
        "/auth/password-reset/confirm", json={"token": "erfunden", "new_password": NEW}
    )
    assert unknown.status_code == 410
    assert late.json()["detail"] == unknown.json()["detail"]


def test_a_mailbox_is_not_flooded(client: TestClient, world: World) -> None:
    give_address(world, "dd.clerk.a", "clerk.a@dresden.example")
    for _ in range(5):
        asked = client.post("/auth/password-reset", json={"account": "dd.clerk.a"})
        assert asked.status_code == 202
    assert len(mails(world)) == 3


def test_housekeeping_removes_expired_links_and_abandoned_login_steps(
    client: TestClient, world: World
) -> None:
    from smartcity.core.identity.housekeeping import purge_login_leftovers
    from smartcity.core.identity.models import WebSession

    give_address(world, "dd.clerk.a", "clerk.a@dresden.example")
    client.post("/auth/password-reset", json={"account": "dd.clerk.a"})
    with world.system() as db:
        user = db.get(UserAccount, world.accounts["dd.admin"].id)
        assert user is not None
        user.password_change_required = True  # its next login stops at the password step
    step = client.post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert step.json()["next_step"] == "password"
    with world.system() as db:
        db.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.execute(
            update(WebSession)
            .where(WebSession.stage == "password")
            .values(created_at=utcnow() - timedelta(minutes=11))
        )
    purge_login_leftovers(world.platform)
    with world.system() as db:
        assert db.query(PasswordReset).count() == 0
        assert db.query(WebSession).filter(WebSession.stage != "full").count() == 0
