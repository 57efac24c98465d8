"""Fixtures of the WiFi tests: node lists as German Freifunk networks publish them (with the
router MACs, IP addresses and owner contacts the real ones carry), a Stadtwerke staff member,
and a node-list server on localhost that answers with ETags, errors, slowly or too much."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import transaction
from smartcity.core.identity import users
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.transit.permissions import UTILITY_STAFF
from smartcity.wifi import nodelist, services
from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser

FIXTURES = Path(__file__).parent / "fixtures"
# Everything of the fixtures that identifies a router or a person: none of it may be stored.
IDENTIFYING = (
    "c04a00dd692a",
    "c0:4a:00:dd:69:2a",
    "c2:4a:00:dd:69:2b",
    "e894f6a1b2c3",
    "14cc20d4e5f6",
    "60e327a9b8c7",
    "fdc5:9e4a",
    "2a03:2267",
    "it-betrieb@example.org",
    "max.mustermann@example.net",
    # meshviewer_unnamed.json: a router without a hostname, and one named after its MAC.
    "a42bb0c1d2e3",
    "a4:2b:b0:c1:d2:e3",
    "f8d111aabbcc",
    "f8-d1-11-aa-bb-cc",
    "f8:d1:11:aa:bb:cc",
)


def node_list(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(world: World, name: str, now: datetime | None = None) -> services.Applied:
    """Apply a fixture as the job or an upload would."""
    with world.tenant(world.dresden) as db:
        return services.apply(
            db, world.dresden, nodelist.parse(node_list(name)), actor="test", now=now
        )


@pytest.fixture
def utility(world: World, new_client: Callable[[], TestClient]) -> Browser:
    """A member of Dresden's Stadtwerke (role utility_staff), logged in to the back office."""
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.create_user(
            db,
            username="dd.stadtwerke",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            UTILITY_STAFF,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
    staff = Browser(new_client())
    assert staff.login("dd.stadtwerke").status_code == 303
    return staff


@dataclass
class Served:
    """What the node-list server answers, and the request headers it saw."""

    body: bytes = b""
    status: int = 200
    etag: str = '"v1"'
    delay_seconds: float = 0.0
    seen: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def node_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Served]]:
    """A node-list server on localhost (allowed for the test only) with ETag support."""
    monkeypatch.setenv("SMARTCITY_WIFI_ALLOW_PRIVATE_ADDRESSES", "true")
    served = Served()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.seen.append(dict(self.headers))
            if served.status == 200 and self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(served.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", served.etag)
            self.end_headers()
            if served.delay_seconds:
                # A slow server: the body trickles in.
                for byte in served.body[:50]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(served.delay_seconds)
            self.wfile.write(served.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/data/meshviewer.json", served
    finally:
        server.shutdown()
        server.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a too large or too slow answer is what the test wants."""


def set_url(world: World, url: str, prefix: str = "", minutes: int = 30) -> None:
    with world.tenant(world.dresden) as db:
        services.set_source(db, url=url, name_prefix=prefix, offline_minutes=minutes, actor="test")


def public(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver")
