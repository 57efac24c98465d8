"""ActivityPub against a maintained implementation: a server built on bovine
(tests/channel/bovine_peer.py) follows the city's channel through WebFinger, verifies every
delivery's HTTP signature with bovine's own checker (the channel's key fetched from its actor
document), receives Create, Update and Delete of a post, and is gone after its Undo. bovine
also signs the Follow and the Undo, so the platform's inbox checks signatures it did not
make itself.

bovine pins an older `cryptography` than the platform, so the peer runs as a subprocess of
its own virtual environment, built once per version of bovine-requirements.txt into
$SMARTCITY_BOVINE_VENV (default ~/.cache/smartcity/bovine-<hash>, see tests/venvs.py)."""

from __future__ import annotations

import json
import select
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from smartcity.channel import signatures
from smartcity.core.platform import Platform
from tests.channel.conftest import deliver, saved_id, write
from tests.venvs import cached_python
from tests.web.conftest import Browser

HERE = Path(__file__).parent
REQUIREMENTS = HERE / "bovine-requirements.txt"
ACTIVITY = "application/activity+json"


@pytest.fixture(scope="session")
def bovine_python() -> Path:
    return cached_python("bovine", REQUIREMENTS, "SMARTCITY_BOVINE_VENV", "bovine")


@dataclass
class BovinePeer:
    """The test's remote control of the bovine server."""

    base: str
    log: Path

    def follow(self, account: str, server: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(
            "post", "/control/follow", {"account": account, "server": server}
        )
        return answer

    def undo(self, embed: bool = False) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("post", "/control/undo", {"embed": embed})
        return answer

    def received(self, kind: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("get", "/control/received")
        return [item for item in found if kind is None or item["type"] == kind]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, self.base + path, json=body, timeout=60)
        assert response.status_code == 200, self.log.read_text()
        return response.json()


@pytest.fixture
def bovine_peer(bovine_python: Path, tmp_path: Path) -> Iterator[BovinePeer]:
    log = tmp_path / "bovine_peer.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(bovine_python), str(HERE / "bovine_peer.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        assert line.startswith("listening "), log.read_text()
        yield BovinePeer(f"http://127.0.0.1:{int(line.split()[1])}", log)
    finally:
        process.stdin.close()  # the peer stops when its stdin ends
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_bovine_server_follows_verifies_every_delivery_and_unfollows(
    served: str, port: int, bovine_peer: BovinePeer, publisher: Browser, platform: Platform
) -> None:
    publisher.get("/dresden/verwaltung/kanal")
    followed = bovine_peer.follow(f"dresden@127.0.0.1:{port}", served)
    assert followed["status"] == 202, followed
    channel = followed["actor"]
    assert channel["preferredUsername"] == "dresden"
    assert channel["id"] == f"{served}/dresden/ap/dresden"

    deliver(platform)
    (accept,) = bovine_peer.received("Accept")
    assert accept["verified"], bovine_peer.log.read_text()
    assert accept["signer"] == channel["id"]
    assert accept["path"] == "/users/bob/inbox"
    assert accept["activity"]["object"]["id"] == followed["follow"]["id"]
    followers = httpx.get(channel["followers"], headers={"accept": ACTIVITY}).json()
    assert followers["totalItems"] == 1

    post_id = saved_id(write(publisher, title="Hallo Bovine", teaser="Die Stadt ist da."))
    deliver(platform)
    (create,) = bovine_peer.received("Create")
    assert create["verified"], bovine_peer.log.read_text()
    assert create["signer"] == channel["id"]
    assert create["path"] == "/inbox"  # bob's server's shared inbox
    assert 'headers="(request-target) host date digest"' in create["signature"]
    note = create["activity"]["object"]
    assert note["type"] == "Note"
    assert "Hallo Bovine" in note["content"]
    assert note["url"].endswith(f"/dresden/aktuelles/{post_id}")

    saved_id(write(publisher, post_id=post_id, title="Hallo Bovine (korrigiert)"))
    deliver(platform)
    (update,) = bovine_peer.received("Update")
    assert update["verified"]
    assert update["activity"]["object"]["id"] == note["id"]
    assert "korrigiert" in update["activity"]["object"]["content"]

    publisher.submit(f"/dresden/verwaltung/kanal/{post_id}/zurueckziehen", {})
    deliver(platform)
    (deleted,) = bovine_peer.received("Delete")
    assert deleted["verified"]
    assert deleted["activity"]["object"] == {
        "id": note["id"],
        "type": "Tombstone",
        "formerType": "Note",
    }

    undone = bovine_peer.undo()
    assert undone["status"] == 202
    assert undone["undo"]["object"] == followed["follow"]["id"]  # bovine names it by id
    followers = httpx.get(channel["followers"], headers={"accept": ACTIVITY}).json()
    assert followers["totalItems"] == 0
    saved_id(write(publisher, title="Nach dem Entfolgen"))
    deliver(platform)
    assert [item["type"] for item in bovine_peer.received()] == [
        "Accept",
        "Create",
        "Update",
        "Delete",
    ]


def test_bovine_refuses_deliveries_the_channel_did_not_sign(
    served: str, bovine_peer: BovinePeer, publisher: Browser
) -> None:
    # The check is no formality: a Create in the channel's name, unsigned or signed with
    # another key under the channel's keyId, is refused.
    publisher.get("/dresden/verwaltung/kanal")
    actor = f"{served}/dresden/ap/dresden"
    inbox = f"{bovine_peer.base}/inbox"
    forged = {"type": "Create", "actor": actor, "object": {"type": "Note", "content": "Falsch"}}
    body = json.dumps(forged).encode()
    unsigned = httpx.post(inbox, content=body, headers={"content-type": ACTIVITY})
    assert unsigned.status_code == 401
    _public, private = signatures.new_key_pair()
    other_key = signatures.sign(
        "POST", inbox, f"{actor}#main-key", signatures.load_private(private), body
    )
    assert httpx.get(actor, headers={"accept": ACTIVITY}).json()["publicKey"]["id"] == (
        f"{actor}#main-key"
    )
    impostor = httpx.post(inbox, content=body, headers={"content-type": ACTIVITY, **other_key})
    assert impostor.status_code == 401
    received = bovine_peer.received("Create")
    assert [item["verified"] for item in received] == [False, False]
    assert [item["signer"] for item in received] == [None, None]
