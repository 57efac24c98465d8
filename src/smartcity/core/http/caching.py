"""Caching of public read responses: validators (ETag, `If-None-Match` → 304), `Cache-Control`,
and a short-lived copy of each answer kept in the process for anonymous readers.

A route opts in with `Depends(cacheable(seconds))` among its dependencies (besides `public`):
the data may be up to `seconds` old for a client or proxy. The middleware then gives each
200 answer a strong ETag (a hash of its body) and answers a matching `If-None-Match` with
304 and no body. Anonymous requests (no cookie, no Authorization header) are answered from a
copy kept in the process for the same `seconds`, without routing, dependencies or database:
a public list of car parks costs a few hundred microseconds instead of several milliseconds.

A commit in the process that wrote anything (any statement but a read, through the ORM or not)
drops every copy at once, so an answer read after a write in the same process is the new one
(its ETag changes). Other processes and instances see a change within `seconds`: the
freshness the route granted clients anyway.

`personal=True` is for pages whose content depends on who asks (a signed-in person sees their
name): only anonymous answers are public and kept; with credentials the answer is
`private, no-cache` (still with an ETag), and `Vary: Cookie` keeps shared caches apart.

Kept copies are bounded in bytes, least recently used first out (`BoundedStore`); `Pages` is
the same store for bodies a module serialises itself and validates by its own revision (the
open-data catalogue).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, event
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCOPE_KEY = "smartcity.cacheable"
_WROTE_KEY = "smartcity.cache_wrote"
# Answers larger than this are not kept (a data export is not what the copies are for).
MAX_KEPT_BYTES = 1 << 20
# What the process keeps of anonymous answers at most.
MAX_COPIES_BYTES = 32 << 20


@dataclass(frozen=True)
class Policy:
    seconds: int
    personal: bool


def cacheable(seconds: int, *, personal: bool = False) -> Callable[[Request], Any]:
    """A dependency marking a public route's answers cacheable for `seconds`. Async and
    without I/O, so it costs no thread hop."""
    policy = Policy(seconds, personal)

    async def mark(request: Request) -> None:
        request.scope[SCOPE_KEY] = policy

    return mark


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110, 13.1.2: weak comparison; `*` matches any current representation."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip() for tag in if_none_match.split(","))
    return any(tag.removeprefix("W/") == etag for tag in tags)


V = TypeVar("V")


class BoundedStore(Generic[V]):
    """Values by key, at most `limit` bytes in all (`size` tells a value's), the least recently
    used dropped first; a value larger than the limit is not kept. Safe across threads."""

    def __init__(self, limit: int, size: Callable[[V], int]) -> None:
        self.limit = limit
        self._size_of = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        size = self._size_of(value)
        if size > self.limit:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._size_of(old)
            self._entries[key] = value
            self._size += size
            while self._size > self.limit:
                _, dropped = self._entries.popitem(last=False)
                self._size -= self._size_of(dropped)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class Kept:
    body: bytes
    etag: str


class Pages:
    """Serialised bodies with their ETags by key, at most `limit` bytes in all. The key carries
    whatever makes a body current (a revision), so nothing is ever invalidated."""

    def __init__(self, limit: int) -> None:
        self._store: BoundedStore[Kept] = BoundedStore(limit, lambda kept: len(kept.body))

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> Kept:
        found = self._store.get(key)
        if found is not None:
            return found
        # Made outside the lock: two requests may make the same body once each.
        body = make()
        kept = Kept(body, etag_of(body))
        self._store.put(key, kept)
        return kept

    def __len__(self) -> int:
        return len(self._store)


class _Generation:
    """Counts the commits that wrote through an ORM session in this process."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


GENERATION = _Generation()


# Statements that only read; anything else in a committed transaction may have changed what
# a kept answer shows (an ORM flush, a Core insert, the SensorThings bulk path's statements).
_READS = ("SELECT", "SET", "SHOW", "EXPLAIN", "BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA", "VALUES")


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(
    connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
) -> None:
    if not statement.lstrip()[:9].upper().startswith(_READS):
        connection.info[_WROTE_KEY] = True


@event.listens_for(Engine, "commit")
def _drop_copies_after_write(connection: Connection) -> None:
    if connection.info.pop(_WROTE_KEY, False):
        GENERATION.bump()


@event.listens_for(Engine, "rollback")
def _forget_write(connection: Connection) -> None:
    connection.info.pop(_WROTE_KEY, None)


@dataclass
class _Copy:
    expires: float
    generation: int
    etag: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # What the copy holds in all: its body, its headers and its key (a query string or an
    # Accept header of the client's choosing), so that many small answers under long keys
    # are bounded as well as a few large ones.
    weight: int = 0


# Roughly what a kept copy costs besides its bytes (the objects around them).
COPY_OVERHEAD = 512


def _weight(key: tuple[Any, ...], headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    held = sum(len(name) + len(value) for name, value in headers)
    return COPY_OVERHEAD + len(body) + held + sum(len(part or "") for part in key)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class ResponseCache:
    """The middleware behind `cacheable` (pure ASGI: a kept answer skips everything inside)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = MAX_COPIES_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.clock = clock
        self.copies: BoundedStore[_Copy] = BoundedStore(limit, lambda copy: copy.weight)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        anonymous = not any(key in (b"cookie", b"authorization") for key, _ in headers)
        if_none_match = _header(headers, b"if-none-match")
        key = None
        if anonymous:
            key = (
                _header(headers, b"host"),
                scope["path"],
                scope.get("query_string", b""),
                _header(headers, b"accept-language"),
                _header(headers, b"accept"),
            )
            copy = self.copies.get(key)
            if (
                copy is not None
                and copy.generation == GENERATION.value
                and copy.expires > self.clock()
            ):
                await self._answer(send, copy.etag, copy.headers, copy.body, if_none_match)
                return
        await self._pass(scope, receive, send, key, anonymous, if_none_match)

    async def _pass(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[Any, ...] | None,
        anonymous: bool,
        if_none_match: str | None,
    ) -> None:
        generation = GENERATION.value
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            policy: Policy | None = scope.get(SCOPE_KEY)
            if message["type"] == "http.response.start":
                if policy is None or message["status"] != 200:
                    scope[SCOPE_KEY] = None  # pass this answer through untouched
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert policy is not None
            body = b"".join(chunks)
            etag = etag_of(body)
            kept_headers = [
                (name, value)
                for name, value in start.get("headers", [])
                if name not in (b"content-length", b"etag", b"cache-control")
            ]
            # An answer that sets a cookie is that one client's: never shared by a cache.
            sets_cookie = _header(start.get("headers", []), b"set-cookie") is not None
            shared = (anonymous or not policy.personal) and not sets_cookie
            control = f"public, max-age={policy.seconds}" if shared else "private, no-cache"
            kept_headers.append((b"cache-control", control.encode()))
            if policy.personal:
                kept_headers.append((b"vary", b"Cookie"))
            keep = key is not None and shared and policy.seconds > 0 and len(body) <= MAX_KEPT_BYTES
            if keep and key is not None:
                expires = self.clock() + policy.seconds
                weight = _weight(key, kept_headers, body)
                self.copies.put(key, _Copy(expires, generation, etag, kept_headers, body, weight))
            await self._answer(send, etag, kept_headers, body, if_none_match)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _answer(
        send: Send,
        etag: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        if_none_match: str | None,
    ) -> None:
        with_etag = [*headers, (b"etag", etag.encode())]
        if matches(if_none_match, etag):
            # RFC 9110, 15.4.5: a 304 carries the validators and caching headers, no content.
            kept = [
                (name, value)
                for name, value in with_etag
                if name not in (b"content-type", b"content-language")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*with_etag, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
