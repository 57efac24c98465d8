"""A small ActivityPub server of the test suite: one account (alice) on a real HTTP server in
a thread on localhost. It follows through WebFinger, signs what it sends and checks the
signatures of what it receives on its own (draft-cavage `rsa-sha256` with `Digest`, as
Mastodon does), independently of the platform's code: it fetches the sender's key from the
sender's actor document and verifies with `cryptography`."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACTIVITY = "application/activity+json"


@dataclass
class Received:
    path: str
    activity: dict[str, Any]
    verified: bool
    problem: str = ""


@dataclass
class Peer:
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    received: list[Received] = field(default_factory=list)
    down: bool = False
    port: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor_id(self) -> str:
        return f"{self.base}/users/alice"

    def actor(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": f"{self.actor_id}/inbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{self.actor_id}#main-key",
                "owner": self.actor_id,
                "publicKeyPem": public.decode(),
            },
        }

    # -- signing and checking, the peer's own implementation -----------------------------

    def signed_headers(self, method: str, url: str, body: bytes | None) -> dict[str, str]:
        parts = urlsplit(url)
        headers = {
            "host": parts.netloc,
            "date": format_datetime(datetime.now(UTC), usegmt=True),
        }
        names = ["(request-target)", "host", "date"]
        if body is not None:
            headers["digest"] = (
                "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            )
            names.append("digest")
        lines = [f"(request-target): {method.lower()} {parts.path}"]
        lines += [f"{name}: {headers[name]}" for name in names[1:]]
        signature = self.key.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
        headers["signature"] = (
            f'keyId="{self.actor_id}#main-key",algorithm="rsa-sha256",'
            f'headers="{" ".join(names)}",signature="{base64.b64encode(signature).decode()}"'
        )
        return headers

    def check(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        """ "" when the request is validly signed by its keyId's owner, else the problem."""
        params = dict(re.findall(r'(\w+)="([^"]*)"', headers.get("signature", "")))
        if not params:
            return "unsigned"
        names = params["headers"].split()
        if (
            "digest" not in names
            or headers.get("digest")
            != "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        ):
            return "digest"
        actor = httpx.get(params["keyId"].split("#")[0], headers={"accept": ACTIVITY}).json()
        key = serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
        assert isinstance(key, rsa.RSAPublicKey)
        lines = [
            f"(request-target): {method.lower()} {path}"
            if n == "(request-target)"
            else f"{n}: {headers[n]}"
            for n in names
        ]
        try:
            key.verify(
                base64.b64decode(params["signature"]),
                "\n".join(lines).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return "signature"
        return ""

    # -- what alice does --------------------------------------------------------------------

    def follow(self, handle: str, host: str, public_url: str) -> httpx.Response:
        """Follow `@handle@host` as Mastodon does: WebFinger, the actor, a signed Follow."""
        finger = httpx.get(
            f"{public_url}/.well-known/webfinger", params={"resource": f"acct:{handle}@{host}"}
        ).json()
        actor_url = next(link["href"] for link in finger["links"] if link["rel"] == "self")
        self.followed = httpx.get(actor_url, headers={"accept": ACTIVITY}).json()
        self.follow_activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor_id}#follows/1",
            "type": "Follow",
            "actor": self.actor_id,
            "object": actor_url,
        }
        return self.post(self.followed["inbox"], self.follow_activity)

    def undo(self) -> httpx.Response:
        return self.post(
            self.followed["inbox"],
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.actor_id}#follows/1/undo",
                "type": "Undo",
                "actor": self.actor_id,
                "object": self.follow_activity,
            },
        )

    def post(self, url: str, activity: dict[str, Any]) -> httpx.Response:
        body = json.dumps(activity).encode()
        headers = {"content-type": ACTIVITY, **self.signed_headers("POST", url, body)}
        return httpx.post(url, content=body, headers=headers)

    # -- the server ---------------------------------------------------------------------------

    def start(self) -> None:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/users/alice":
                    self._answer(200, json.dumps(peer.actor()).encode())
                else:
                    self._answer(404, b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if peer.down:
                    self._answer(503, b"")
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                problem = peer.check("POST", self.path, headers, body)
                peer.received.append(Received(self.path, json.loads(body), not problem, problem))
                self._answer(202 if not problem else 401, b"")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", ACTIVITY)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]
