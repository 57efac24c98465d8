"""The short way for devices posting Observations over HTTP.

`POST …/Datastreams(id)/Observations`, `POST …/Observations` and `POST …/CreateObservations`
with an API key are answered here, in front of the framework's routing and dependency
injection, from cached facts and through the group-commit pipeline. Anything this path does
not handle itself — another kind of login, a FeatureOfInterest created inline, any invalid
input — goes on to the general SensorThings routes unchanged (with the body replayed), so
that answers and error messages are the same either way.
"""

from __future__ import annotations

import asyncio
import json
import re
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartcity.core.errors import ServiceUnavailable
from smartcity.core.http.problems import DATABASE_RETRY_AFTER
from smartcity.core.identity.apikeys import MalformedAuthorization, secret_from_authorization
from smartcity.core.identity.key_cache import ApiKeyCache, KeyGrant
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.errors import StaError
from smartcity.sensorthings.ingest import bulk, rows
from smartcity.sensorthings.ingest.pipeline import IngestPipeline
from smartcity.sensorthings.ingest.rows import NewObservation, NotSimple
from smartcity.sensorthings.ingest.targets import CacheMiss, StreamKind, TargetCache, Targets
from smartcity.sensorthings.reading import Links, links_for, plain_entity
from smartcity.sensorthings.values import refuse_lone_surrogates

PATH = re.compile(
    r"^/(?P<slug>[a-z0-9-]+)/sta/v1\.1/"
    r"(?:(?P<kind>Datastreams|MultiDatastreams)\((?P<id>[0-9]{1,18})\)/Observations"
    r"|(?P<plain>Observations)|(?P<bulk>CreateObservations))$"
)
OBSERVATION = ENTITY_TYPES["Observation"]
ROUTE_LABEL = SimpleNamespace(path="/{municipality}/sta/v1.1/ingest")


class IngestPath(Protocol):
    """What this path uses of the module's runtime (`app.state.ingest`)."""

    @property
    def keys(self) -> ApiKeyCache: ...

    @property
    def targets(self) -> TargetCache: ...

    @property
    def pipeline(self) -> IngestPipeline: ...


class _Decline(Exception):
    """Let the general routes answer this request."""


class ObservationFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        runtime: IngestPath | None = getattr(scope["app"].state, "ingest", None)
        headers = dict(scope["headers"])
        secret = _api_key(headers.get(b"authorization", b""))
        content_type = headers.get(b"content-type", b"application/json")
        if runtime is None or secret is None or not content_type.startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            status, answer, location = await self._handle(runtime, match, secret, body, scope)
        except _Decline:
            await self.app(scope, _replay(body, receive), send)
            return
        except ServiceUnavailable as exc:
            await _unavailable(send, exc.detail, exc.retry_after)
            return
        except (OperationalError, InterfaceError, PoolTimeout):
            # A locked SQLite file, a lost connection, a full pool while the key or the
            # Datastream was looked up: worth a retry, as on the general routes.
            await _unavailable(
                send,
                "The database is busy or not reachable at the moment; please retry.",
                DATABASE_RETRY_AFTER,
            )
            return
        scope["route"] = ROUTE_LABEL
        extra = [(b"location", location.encode())] if location else []
        await _respond(send, status, answer, extra)

    async def _handle(
        self, runtime: IngestPath, match: re.Match[str], secret: str, body: bytes, scope: Scope
    ) -> tuple[int, Any, str | None]:
        grant = runtime.keys.cached(secret) or await asyncio.to_thread(runtime.keys.lookup, secret)
        if grant is None or "sta:write" not in grant.scopes:
            raise _Decline
        if grant.municipality_slug != match["slug"]:
            raise _Decline
        try:
            payload = json.loads(body)
            refuse_lone_surrogates(body, payload)
        except (ValueError, RecursionError, StaError):
            raise _Decline from None
        links = links_for(Request(scope), match["slug"])
        if match["bulk"]:
            return await self._create_many(runtime, grant, payload, links)
        try:
            # From the cache, on the event loop: no thread hop.
            observation = self._one(runtime.targets.cached_only(), grant, match, payload)
        except CacheMiss:
            observation = await asyncio.to_thread(self._one, runtime.targets, grant, match, payload)
        (new_id,) = await runtime.pipeline.submit([observation])
        if new_id is None:
            # Refused by the database after all (its Datastream was deleted meanwhile): the
            # general route finds out why and says so.
            raise _Decline
        observation.row["id"] = new_id
        entity = plain_entity(links, SimpleNamespace(**observation.row), OBSERVATION)
        return 201, entity, links.entity(OBSERVATION, new_id)

    @staticmethod
    def _one(
        targets: Targets, grant: KeyGrant, match: re.Match[str], payload: Any
    ) -> NewObservation:
        if not isinstance(payload, dict):
            raise _Decline
        if match["kind"] and ("Datastream" in payload or "MultiDatastream" in payload):
            raise _Decline  # the path names the Datastream; the general route sorts this out
        key = _stream_key(match, payload)
        target = targets.stream(*key) if key is not None else None
        if target is None or target.municipality_id != grant.municipality_id:
            raise _Decline
        try:
            return rows.from_entity(payload, target, targets)
        except (NotSimple, StaError):
            raise _Decline from None

    @staticmethod
    async def _create_many(
        runtime: IngestPath, grant: KeyGrant, payload: Any, links: Links
    ) -> tuple[int, Any, str | None]:
        try:
            answers, good = await asyncio.to_thread(
                bulk.prepare, payload, runtime.targets, grant.municipality_id
            )
        except StaError:
            raise _Decline from None
        ids = await runtime.pipeline.submit([observation for _, observation in good])
        for (index, _), new_id in zip(good, ids, strict=True):
            answers[index] = links.entity(OBSERVATION, new_id) if new_id else "error"
        return 201, answers, None


def _stream_key(match: re.Match[str], payload: Any) -> tuple[StreamKind, int] | None:
    if match["kind"]:
        kind: StreamKind = (
            "MultiDatastream" if match["kind"] == "MultiDatastreams" else "Datastream"
        )
        return kind, int(match["id"])
    if not isinstance(payload, dict):
        return None
    try:
        return rows.linked_stream(payload)
    except (NotSimple, StaError):
        return None


def _api_key(header: bytes) -> str | None:
    try:
        return secret_from_authorization(header.decode("latin-1"))
    except MalformedAuthorization:
        return None  # the general route says what is wrong with it


async def _read_body(receive: Receive) -> bytes:
    """The whole body; the size limit is enforced by the platform middleware around us."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body again, for the general routes, then whatever else the client sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _unavailable(send: Send, message: str, retry_after: int) -> None:
    await _respond(
        send,
        503,
        {"code": 503, "type": "error", "message": message},
        [(b"retry-after", str(retry_after).encode())],
    )


async def _respond(send: Send, status: int, payload: Any, extra: list[tuple[bytes, bytes]]) -> None:
    content = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
