"""The channel's machine interfaces: ActivityPub (actor, inbox, outbox, followers, objects),
WebFinger and NodeInfo, and the feeds (RSS, Atom, iCalendar, CAP). All public: what they
show is what the portal shows; the inbox accepts only signed requests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from smartcity import __version__
from smartcity.channel import activitypub, feeds
from smartcity.channel import services as channels
from smartcity.channel.federation import Context, InboxRefused, follower_count, post_object, receive
from smartcity.channel.models import Channel, Post
from smartcity.core.db import transaction, utcnow
from smartcity.core.errors import NotFound
from smartcity.core.http.deps import (
    DbDep,
    MunicipalityDep,
    PlatformDep,
    TenantDbDep,
    public,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for

ICON = (Path(__file__).parent / "static" / "icon.png").read_bytes()
ACTIVITY = "application/activity+json"
MAX_INBOX_BYTES = 256 * 1024
FEED_LIMIT = 50

router = APIRouter(dependencies=[Depends(public)], include_in_schema=False)


def _json(document: dict[str, Any], media_type: str = ACTIVITY, status: int = 200) -> Response:
    return Response(
        orjson.dumps(document),
        status_code=status,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"},
    )


def _xml(body: bytes, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})


# --- discovery: WebFinger and NodeInfo ------------------------------------------------------


@router.get("/.well-known/webfinger")
def webfinger(
    db: DbDep, platform: PlatformDep, resource: Annotated[str, Query(max_length=300)]
) -> Response:
    """`acct:dresden@host` or `acct:feuerwehr.dresden@host` (or the actor's URL)."""
    db.info[SCOPE_KEY] = SYSTEM  # a public lookup of the channel by its instance-wide handle
    public_url = platform.settings.effective_public_url
    host = urlsplit(public_url).netloc
    handle = ""
    if resource.startswith("acct:"):
        name, _, domain = resource[5:].partition("@")
        if domain.lower() == host.lower():
            handle = name.lower()
    elif resource.startswith(public_url + "/"):
        parts = resource[len(public_url) + 1 :].split("/")
        if len(parts) == 3 and parts[1] == "ap":
            found = db.scalar(
                select(Channel.handle)
                .join(Municipality, Municipality.id == Channel.municipality_id)
                .where(Municipality.slug == parts[0], Channel.slug == parts[2])
            )
            handle = found or ""
    channel = db.scalar(select(Channel).where(Channel.handle == handle)) if handle else None
    if channel is None:
        raise NotFound("No such account here.")
    municipality = db.get(Municipality, channel.municipality_id)
    assert municipality is not None
    context = Context.of(platform, municipality)
    return _json(activitypub.webfinger(channel, context.urls), "application/jrd+json")


@router.get("/.well-known/nodeinfo")
def nodeinfo_links(platform: PlatformDep) -> Response:
    href = f"{platform.settings.effective_public_url}/.well-known/nodeinfo/2.1"
    return _json(
        {"links": [{"rel": activitypub.NODEINFO_SCHEMA, "href": href}]}, "application/json"
    )


@router.get("/.well-known/nodeinfo/2.1")
def nodeinfo(db: DbDep) -> Response:
    db.info[SCOPE_KEY] = SYSTEM  # instance-wide counts, as NodeInfo reports them
    channel_total = db.scalar(select(func.count()).select_from(Channel)) or 0
    post_total = (
        db.scalar(select(func.count()).select_from(Post).where(Post.withdrawn_at.is_(None))) or 0
    )
    return _json(
        activitypub.nodeinfo(__version__, channel_total, post_total),
        f'application/json; profile="{activitypub.NODEINFO_SCHEMA}#"',
    )


# --- the actor and its collections -----------------------------------------------------------

ap = APIRouter(prefix="/{municipality}/ap", dependencies=[Depends(public)], include_in_schema=False)


def _context(platform: PlatformDep, municipality: MunicipalityDep) -> Context:
    return Context.of(platform, municipality)


ContextDep = Annotated[Context, Depends(_context)]


@ap.get("/posts/{uid}")
def post_document(uid: str, db: TenantDbDep, context: ContextDep) -> Response:
    post = db.scalar(select(Post).where(Post.uid == uid))
    if post is None or post.publish_at > utcnow():
        raise NotFound("No such post.")
    if post.withdrawn_at is not None:
        return _json(
            {"@context": activitypub.AS_CONTEXT, **activitypub.tombstone(post, context.urls)},
            status=410,
        )
    channel = db.get(Channel, post.channel_id)
    assert channel is not None
    return _json({"@context": activitypub.AS_CONTEXT, **post_object(db, post, channel, context)})


@ap.get("/{channel}")
def actor(
    channel: str, db: TenantDbDep, context: ContextDep, municipality: MunicipalityDep
) -> Response:
    found = channels.channel_by_slug(db, channel)
    return _json(activitypub.actor(found, context.urls, municipality.name))


@ap.get("/{channel}/icon.png")
def icon(channel: str, db: TenantDbDep) -> Response:
    channels.channel_by_slug(db, channel)
    return Response(
        ICON, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"}
    )


@ap.get("/{channel}/outbox")
def outbox(
    channel: str,
    db: TenantDbDep,
    context: ContextDep,
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """Complete and paged: a new follower's server can read every older post."""
    found = channels.channel_by_slug(db, channel)
    total = channels.count_public_posts(db, found)
    if page is None:
        return _json(activitypub.outbox(found, context.urls, total))
    items = channels.public_posts(
        db,
        channel=found,
        limit=activitypub.PAGE_SIZE,
        offset=(page - 1) * activitypub.PAGE_SIZE,
    )
    activities = [
        activitypub.activity(
            "Create", post_object(db, post, found, context), found, context.urls, post
        )
        for post in items
    ]
    return _json(activitypub.outbox_page(found, context.urls, page, total, activities))


@ap.get("/{channel}/followers")
def followers(channel: str, db: TenantDbDep, context: ContextDep) -> Response:
    found = channels.channel_by_slug(db, channel)
    return _json(activitypub.followers(found, context.urls, follower_count(db, found)))


@ap.post("/{channel}/inbox")
async def inbox(
    channel: str, request: Request, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_INBOX_BYTES:
            return Response(status_code=413)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = {name.lower(): value for name, value in request.headers.items()}
    context = Context.of(platform, municipality)

    def handle() -> tuple[int, str]:
        # The inbox fetches the sender's key over the network: off the event loop, in a
        # transaction of its own that a refused request rolls back.
        try:
            with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
                found = channels.channel_by_slug(db, channel)
                return 202, receive(db, found, context, target=target, headers=headers, body=body)
        except InboxRefused as exc:
            return exc.status, exc.reason

    status, reason = await run_in_threadpool(handle)
    return Response(reason, status_code=status, media_type="text/plain")


# --- feeds ------------------------------------------------------------------------------------

feed_router = APIRouter(
    prefix="/{municipality}/kanal/{channel}",
    dependencies=[Depends(public)],
    include_in_schema=False,
)


def _posts(db: TenantDbDep, channel: str, category: str | None) -> tuple[Channel, list[Post]]:
    found = channels.channel_by_slug(db, channel)
    return found, channels.public_posts(db, channel=found, category=category, limit=FEED_LIMIT)


@feed_router.get("/rss.xml")
def rss(channel: str, db: TenantDbDep, context: ContextDep) -> Response:
    found, items = _posts(db, channel, None)
    return _xml(feeds.rss(found, context.urls, items), "application/rss+xml; charset=utf-8")


@feed_router.get("/atom.xml")
def atom(channel: str, db: TenantDbDep, context: ContextDep) -> Response:
    found, items = _posts(db, channel, None)
    return _xml(feeds.atom(found, context.urls, items), "application/atom+xml; charset=utf-8")


@feed_router.get("/kategorie/{category}/rss.xml")
def category_rss(channel: str, category: str, db: TenantDbDep, context: ContextDep) -> Response:
    found, items = _posts(db, channel, category)
    return _xml(
        feeds.rss(found, context.urls, items, category), "application/rss+xml; charset=utf-8"
    )


@feed_router.get("/kategorie/{category}/atom.xml")
def category_atom(channel: str, category: str, db: TenantDbDep, context: ContextDep) -> Response:
    found, items = _posts(db, channel, category)
    return _xml(
        feeds.atom(found, context.urls, items, category), "application/atom+xml; charset=utf-8"
    )


@feed_router.get("/veranstaltungen.ics")
def calendar(channel: str, db: TenantDbDep, context: ContextDep) -> Response:
    found = channels.channel_by_slug(db, channel)
    body = feeds.ical(found, context.urls, channels.events(db, found), context.zone)
    return _xml(body, "text/calendar; charset=utf-8")


@feed_router.get("/warnungen.cap.xml")
def cap(
    channel: str, db: TenantDbDep, context: ContextDep, municipality: MunicipalityDep
) -> Response:
    found = channels.channel_by_slug(db, channel)
    body = feeds.cap_feed(found, context.urls, channels.active_warnings(db, found), municipality)
    return _xml(body, "application/atom+xml; charset=utf-8")
