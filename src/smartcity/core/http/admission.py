"""Admission: how many requests of a process work at once, and how the others wait.

A request holds a database connection from its first query until its route returns, and it
waits for worker threads in between. Without a bound, a burst of requests takes every
connection and the rest fail at the pool after its timeout (60 concurrent GETs gave 39 × 503).
Here at most `request_threads` requests are admitted at a time — the pool has a connection
for each of them and some to spare — and the others wait in the event loop, which costs a
coroutine, not a thread or a connection. One municipality never holds more than three
quarters of the places, so one city's burst leaves room for the others' requests.

A request is let go when its response starts: by then its session is closed (the request's
database dependency ends with the route), so streams such as server-sent events do not keep
a place. A request that waited `queue_seconds` without a place gets 503 with Retry-After.
Liveness, readiness, metrics and static files are never held back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WAITING = Gauge(
    "smartcity_requests_waiting", "Requests waiting for admission", multiprocess_mode="livesum"
)
REFUSED = Counter("smartcity_requests_refused_total", "Requests refused after waiting (503)")

EXEMPT_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")
RETRY_AFTER = 5


def tenant_of(path: str) -> str:
    """The first path segment: a municipality's slug on tenant paths, else an instance-wide
    area (`api`, `auth`, …), which gets its own share like a municipality."""
    return path.lstrip("/").split("/", 1)[0]


class Admission:
    def __init__(self, app: ASGIApp, *, places: int, queue_seconds: float) -> None:
        self.app = app
        self.queue_seconds = queue_seconds
        self._places = asyncio.Semaphore(places)
        self._per_tenant = max(1, places - places // 4)
        # A municipality's semaphore lives while one of its requests holds or waits for a
        # place: the first path segment is anyone's to choose, so an entry per segment ever
        # seen would let a scan of made-up paths grow this without end.
        self._tenants: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        async with self._admitted(tenant_of(path)) as release:
            if release is None:
                await _refuse(send)
                return

            async def send_and_release(message: Message) -> None:
                if message["type"] == "http.response.start":
                    release()
                await send(message)

            await self.app(scope, receive, send_and_release)

    @contextlib.asynccontextmanager
    async def _admitted(self, tenant: str) -> AsyncIterator[_Release | None]:
        tenant_places = self._tenants.get(tenant)
        if tenant_places is None:
            tenant_places = self._tenants[tenant] = asyncio.Semaphore(self._per_tenant)
        self._users[tenant] = self._users.get(tenant, 0) + 1
        try:
            async with self._queued(tenant_places) as release:
                yield release
        finally:
            self._users[tenant] -= 1
            if not self._users[tenant]:
                del self._users[tenant], self._tenants[tenant]

    @contextlib.asynccontextmanager
    async def _queued(self, tenant_places: asyncio.Semaphore) -> AsyncIterator[_Release | None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_seconds
        held: list[asyncio.Semaphore] = []
        WAITING.inc()
        try:
            for semaphore in (tenant_places, self._places):
                try:
                    await asyncio.wait_for(semaphore.acquire(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                held.append(semaphore)
        finally:
            WAITING.dec()
        release = _Release(held)
        try:
            yield release if len(held) == 2 else None
        finally:
            release()


class _Release:
    """Gives the places back once, whichever comes first: the response or the end."""

    def __init__(self, held: list[asyncio.Semaphore]) -> None:
        self._held = held

    def __call__(self) -> None:
        while self._held:
            self._held.pop().release()


async def _refuse(send: Send) -> None:
    REFUSED.inc()
    body = json.dumps(
        {
            "type": "https://smartcity.invalid/problems/service-unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "Too many requests are being served right now; please try again shortly.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"retry-after", str(RETRY_AFTER).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
