"""ActivityPub with a real peer: a small server of the test suite (tests/channel/peer.py)
follows a channel through WebFinger, receives signed activities and checks the signatures
itself; the platform runs as a real HTTP server (uvicorn in a thread) so that the peer can
fetch its actor and key like any Fediverse server would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from smartcity.channel import services
from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.core.uploads.services import UploadLimits
from tests.channel.conftest import deliver, saved_id, write
from tests.channel.peer import ACTIVITY, Peer
from tests.conftest import World
from tests.web.conftest import Browser


@pytest.fixture
def peer() -> Iterator[Peer]:
    found = Peer()
    found.start()
    yield found
    found.stop()


def test_a_peer_follows_and_receives_create_update_delete_until_it_undoes(
    served: str, port: int, peer: Peer, publisher: Browser, platform: Platform
) -> None:
    publisher.get("/dresden/verwaltung/kanal")
    assert peer.follow("dresden", f"127.0.0.1:{port}", served).status_code == 202
    deliver(platform)
    (accept,) = peer.of_type("Accept")
    assert accept.verified
    assert accept.path == "/users/alice/inbox"
    assert accept.activity["object"]["type"] == "Follow"
    followers = httpx.get(peer.followed["followers"], headers={"accept": ACTIVITY}).json()
    assert followers["totalItems"] == 1

    post_id = saved_id(write(publisher, title="Hallo Fediverse", teaser="Die Stadt ist da."))
    deliver(platform)
    (create,) = peer.of_type("Create")
    assert create.verified, create.problem
    assert create.path == "/inbox"  # the server's shared inbox: one delivery per server
    note = create.activity["object"]
    assert "Hallo Fediverse" in note["content"]
    assert note["url"].endswith(f"/dresden/aktuelles/{post_id}")
    # The object is fetchable at its id, as a receiving server checks.
    assert httpx.get(note["id"], headers={"accept": ACTIVITY}).json()["type"] == "Note"

    saved_id(write(publisher, post_id=post_id, title="Hallo Fediverse (korrigiert)"))
    deliver(platform)
    (update,) = peer.of_type("Update")
    assert update.verified
    assert "korrigiert" in update.activity["object"]["content"]

    publisher.submit(f"/dresden/verwaltung/kanal/{post_id}/zurueckziehen", {})
    deliver(platform)
    (deleted,) = peer.of_type("Delete")
    assert deleted.verified
    assert deleted.activity["object"]["type"] == "Tombstone"
    assert httpx.get(note["id"], headers={"accept": ACTIVITY}).status_code == 410

    status = publisher.get("/dresden/verwaltung/foederation?lang=en").text
    assert f"127.0.0.1:{peer.port}" in status
    assert "HTTP 202" in status

    assert peer.undo().status_code == 202
    followers = httpx.get(peer.followed["followers"], headers={"accept": ACTIVITY}).json()
    assert followers["totalItems"] == 0
    saved_id(write(publisher, title="Nach dem Entfolgen"))
    deliver(platform)
    assert len(peer.of_type("Create")) == 1


def test_an_undo_naming_an_id_ends_only_the_follow_with_that_id(
    served: str, port: int, peer: Peer, publisher: Browser
) -> None:
    publisher.get("/dresden/verwaltung/kanal")
    assert peer.follow("dresden", f"127.0.0.1:{port}", served).status_code == 202
    followers = peer.followed["followers"]
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor_id}#undo/1",
        "type": "Undo",
        "actor": peer.actor_id,
        "object": f"{peer.actor_id}#likes/1",  # not the Follow
    }
    assert peer.post(peer.followed["inbox"], undo).status_code == 202
    assert httpx.get(followers, headers={"accept": ACTIVITY}).json()["totalItems"] == 1
    undo["object"] = peer.follow_activity["id"]
    assert peer.post(peer.followed["inbox"], undo).status_code == 202
    assert httpx.get(followers, headers={"accept": ACTIVITY}).json()["totalItems"] == 0


def test_a_server_that_is_down_gets_the_delivery_later(
    served: str, port: int, peer: Peer, publisher: Browser, platform: Platform
) -> None:
    publisher.get("/dresden/verwaltung/kanal")
    peer.follow("dresden", f"127.0.0.1:{port}", served)
    deliver(platform)
    peer.down = True
    saved_id(write(publisher, title="Während der Wartung"))
    assert deliver(platform)["failed"] == 1
    peer.down = False
    # Backing off: the server is not asked again at once ...
    assert deliver(platform) == {"delivered": 0, "failed": 0, "abandoned": 0}
    assert peer.of_type("Create") == []
    # ... but once its back-off has passed (also after a restart: the queue is a table).
    assert deliver(platform, now=utcnow() + timedelta(minutes=5))["delivered"] == 1
    (create,) = peer.of_type("Create")
    assert create.verified
    assert "Während der Wartung" in create.activity["object"]["content"]


def test_forged_or_unsigned_inbox_posts_are_refused(
    served: str, port: int, peer: Peer, publisher: Browser
) -> None:
    publisher.get("/dresden/verwaltung/kanal")
    inbox = f"{served}/dresden/ap/dresden/inbox"
    follow = {
        "type": "Follow",
        "id": f"{peer.actor_id}#f",
        "actor": peer.actor_id,
        "object": f"{served}/dresden/ap/dresden",
    }
    unsigned = httpx.post(inbox, json=follow, headers={"content-type": ACTIVITY})
    assert unsigned.status_code == 401
    impostor = Peer(port=peer.port)  # claims alice's key id, signs with another key
    assert impostor.post(inbox, follow).status_code == 401
    body = b'{"type": "Follow", "actor": "%s", "object": "x"}' % peer.actor_id.encode()
    tampered = {**peer.signed_headers("POST", inbox, body), "content-type": ACTIVITY}
    assert httpx.post(inbox, content=body + b" ", headers=tampered).status_code == 401
    assert httpx.get(f"{served}/dresden/ap/dresden/followers").json()["totalItems"] == 0


def test_loopback_servers_are_not_contacted_by_default(
    served: str, port: int, peer: Peer, publisher: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTCITY_CHANNEL_ALLOW_PRIVATE_ADDRESSES", "false")
    publisher.get("/dresden/verwaltung/kanal")
    # The platform refuses to fetch the follower's key from a loopback address (SSRF).
    assert peer.follow("dresden", f"127.0.0.1:{port}", served).status_code == 401


def test_discovery_outbox_and_nodeinfo(
    served: str, port: int, publisher: Browser, world: World, platform: Platform
) -> None:
    publisher.submit(
        "/dresden/verwaltung/kanal/kanaele", {"slug": "feuerwehr", "name": "Feuerwehr"}
    )
    finger = httpx.get(
        f"{served}/.well-known/webfinger",
        params={"resource": f"acct:feuerwehr.dresden@127.0.0.1:{port}"},
    )
    assert finger.status_code == 200
    actor_url = finger.json()["links"][0]["href"]
    actor = httpx.get(actor_url, headers={"accept": ACTIVITY}).json()
    assert actor["preferredUsername"] == "feuerwehr.dresden"
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    assert httpx.get(actor["icon"]["url"]).headers["content-type"] == "image/png"
    assert (
        httpx.get(
            f"{served}/.well-known/webfinger", params={"resource": f"acct:nobody@127.0.0.1:{port}"}
        ).status_code
        == 404
    )
    with world.tenant(world.dresden) as db:
        main = services.main_channel(db, world.dresden, platform.settings.require_secret_key())
        for number in range(23):
            services.create_post(
                db,
                services.PostInput(channel_id=main.id, kind="news", title=f"Meldung {number}"),
                author_id=None,
                actor="test",
                data_dir=platform.settings.data_dir,
                limits=UploadLimits.of(platform.settings),
            )
    outbox = httpx.get(f"{served}/dresden/ap/dresden/outbox").json()
    assert outbox["totalItems"] == 23
    first = httpx.get(outbox["first"]).json()
    second = httpx.get(first["next"]).json()
    titles = [a["object"]["content"] for a in first["orderedItems"] + second["orderedItems"]]
    assert len(titles) == 23
    assert "Meldung 22" in titles[0]
    assert "Meldung 0" in titles[-1]
    links = httpx.get(f"{served}/.well-known/nodeinfo").json()["links"]
    info = httpx.get(links[0]["href"]).json()
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["localPosts"] == 23
