"""A Fediverse server of the test suite built on bovine (https://bovine.readthedocs.io), run
by the Python of its own virtual environment (tests/channel/bovine-requirements.txt, built by
test_bovine_peer.py), never imported by the platform or by pytest.

One account, bob, at http://127.0.0.1:<port>/users/bob. bovine does the federation work:

- finding the channel: WebFinger (`bovine.clients.lookup_uri_with_webfinger`), then the
  actor document, fetched with an HTTP-signed GET (`BovineActor.get`);
- bob's actor document: `bovine.activitystreams.Actor` with an RSA key made by
  `bovine.crypto.generate_rsa_public_private_key`;
- Follow and Undo: built by bovine's `ActivityFactory`, sent by `BovineActor`, which signs
  them (draft-cavage `rsa-sha256`, `Digest`) as bovine signs every POST;
- every POST to bob's inbox or to the shared inbox: checked by bovine's `SignatureChecker`
  (`build_validate_http_signature_raw`), the key fetched from the `keyId`'s actor document;
  the signer must be the activity's actor.

The test drives it over HTTP: `POST /control/follow` ({"account": "dresden@host",
"server": "http://host"}), `POST /control/undo` ({"embed": true} for Mastodon's form of the
Undo), `GET /control/received` (every POST that arrived, with bovine's verdict). It prints
`listening <port>` once it serves.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from typing import Any

from aiohttp import ClientSession, web  # type: ignore[import-not-found]
from bovine import BovineActor  # type: ignore[import-not-found]
from bovine.activitystreams import Actor  # type: ignore[import-not-found]
from bovine.activitystreams.activity_factory import (  # type: ignore[import-not-found]
    ActivityFactory,
)
from bovine.clients import lookup_uri_with_webfinger  # type: ignore[import-not-found]
from bovine.crypto import (  # type: ignore[import-not-found]
    build_validate_http_signature_raw,
    generate_rsa_public_private_key,
)
from bovine.crypto.types import CryptographicIdentifier  # type: ignore[import-not-found]

ACTIVITY = "application/activity+json"


class Peer:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.actor_id = f"{self.base}/users/bob"
        public_pem, private_pem = generate_rsa_public_private_key()
        self.profile: dict[str, Any] = Actor(
            id=self.actor_id,
            preferred_username="bob",
            name="Bob",
            inbox=f"{self.actor_id}/inbox",
            outbox=f"{self.actor_id}/outbox",
            public_key=public_pem,
            public_key_name="main-key",
            properties={"endpoints": {"sharedInbox": f"{self.base}/inbox"}},
        ).build()
        self.bovine = BovineActor(
            actor_id=self.actor_id,
            public_key_url=f"{self.actor_id}#main-key",
            secret=private_pem,
        )
        self.activities = ActivityFactory(self.profile)
        self.validate = build_validate_http_signature_raw(self.retrieve_key)
        self.received: list[dict[str, Any]] = []
        self.follow: dict[str, Any] | None = None
        self.followed: dict[str, Any] | None = None

    async def retrieve_key(self, key_id: str) -> Any:
        """The sender's key, from the actor document its keyId points to (a signed GET)."""
        document = await self.bovine.get(key_id, fail_silently=True)
        key = document.get("publicKey") if isinstance(document, dict) else None
        if not isinstance(key, dict) or key.get("id") != key_id:
            return None
        return CryptographicIdentifier.from_public_key(key)

    # -- bob's own pages -----------------------------------------------------------------

    async def actor(self, request: web.Request) -> web.Response:
        return web.json_response(self.profile, content_type=ACTIVITY)

    async def inbox(self, request: web.Request) -> web.Response:
        body: bytes = await request.read()

        async def read_body() -> bytes:
            return body

        headers = {name.lower(): value for name, value in request.headers.items()}
        signer = await self.validate(request.method, str(request.url), headers, read_body)
        try:
            activity = json.loads(body)
        except ValueError:
            activity = {}
        actor = activity.get("actor") if isinstance(activity, dict) else None
        verified = signer is not None and signer == actor
        self.received.append(
            {
                "path": request.path,
                "type": activity.get("type") if isinstance(activity, dict) else None,
                "activity": activity,
                "signer": signer,
                "verified": verified,
                "signature": headers.get("signature", ""),
            }
        )
        return web.Response(status=202 if verified else 401)

    # -- what the test asks bob to do ------------------------------------------------------

    async def do_follow(self, request: web.Request) -> web.Response:
        asked = await request.json()
        actor_url, _ = await lookup_uri_with_webfinger(
            self.bovine.session, f"acct:{asked['account']}", domain=asked["server"]
        )
        if actor_url is None:
            return web.json_response({"error": "WebFinger found no actor"}, status=404)
        self.followed = await self.bovine.get(actor_url)
        assert self.followed is not None
        self.follow = self.activities.follow(actor_url, id=f"{self.actor_id}/follows/1").build()
        response = await self.bovine.client.post(self.followed["inbox"], json.dumps(self.follow))
        return web.json_response(
            {"status": response.status, "actor": self.followed, "follow": self.follow}
        )

    async def do_undo(self, request: web.Request) -> web.Response:
        assert self.follow is not None
        assert self.followed is not None
        asked = await request.json() if request.can_read_body else {}
        # bovine's own form names the Follow by its id; Mastodon's embeds it.
        undo = self.activities.undo(
            self.follow,
            include_activity=bool(asked.get("embed")),
            id=f"{self.actor_id}/follows/1/undo",
        ).build()
        response = await self.bovine.client.post(self.followed["inbox"], json.dumps(undo))
        return web.json_response({"status": response.status, "undo": undo})

    async def show_received(self, request: web.Request) -> web.Response:
        return web.json_response(self.received)


async def main() -> None:
    # Bind first: bob's ids carry the port.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    peer = Peer(port)
    app = web.Application()
    app.router.add_get("/users/bob", peer.actor)
    app.router.add_post("/users/bob/inbox", peer.inbox)
    app.router.add_post("/inbox", peer.inbox)
    app.router.add_post("/control/follow", peer.do_follow)
    app.router.add_post("/control/undo", peer.do_undo)
    app.router.add_get("/control/received", peer.show_received)
    runner = web.AppRunner(app)
    await runner.setup()
    async with ClientSession() as session:
        await peer.bovine.init(session=session)
        await web.SockSite(runner, listening).start()
        print(f"listening {port}", flush=True)
        # Until the test closes our stdin.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
