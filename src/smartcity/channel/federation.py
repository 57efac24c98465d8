"""Federation: the inbox (Follow, Undo, Delete of remote actors), the queue of deliveries to
followers, and the periodic jobs that publish scheduled posts and work the queue.

The queue is the `channel_delivery` table: a post to a channel with followers on many servers
becomes one row per shared inbox, so it survives restarts, and each remote server has its own
back-off (`channel_remote_server`) so that one server being down never delays the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from smartcity.channel import activitypub, signatures
from smartcity.channel import services as posts
from smartcity.channel.models import Channel, Delivery, Follower, Post, RemoteServer
from smartcity.channel.outgoing import ACTIVITY_JSON, RemoteError, check_url, fetch_json
from smartcity.channel.settings import ChannelSettings
from smartcity.channel.urls import Urls
from smartcity.core.audit import services as audit
from smartcity.core.db import transaction, utcnow
from smartcity.core.modules import Removal, Removed
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
DELIVERIES_PER_RUN = 20_000
KEEP_DONE = timedelta(days=7)
# Answers that say "never again" (Mastodon treats them the same): no retry.
PERMANENT = {400, 401, 403, 404, 405, 410, 422}


class InboxRefused(Exception):
    """An inbox POST we do not accept; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Context:
    """What federation needs of a municipality: its URLs, the server secret (to open the
    channels' keys), the channel settings and the municipality's time zone."""

    urls: Urls
    secret: str
    settings: ChannelSettings
    zone: str

    @classmethod
    def of(cls, platform: Platform, municipality: Municipality) -> Context:
        return cls(
            Urls(platform.settings.effective_public_url, municipality.slug),
            platform.settings.require_secret_key(),
            ChannelSettings(),
            municipality.timezone,
        )


def backoff(failures: int) -> timedelta:
    delay: timedelta = timedelta(minutes=1) * 2 ** min(max(failures - 1, 0), 16)
    return min(delay, MAX_BACKOFF)


# --- outgoing: what a post's change sends -------------------------------------------------


def post_object(db: Session, post: Post, channel: Channel, context: Context) -> dict[str, Any]:
    return activitypub.note(
        post,
        channel,
        context.urls,
        posts.images_of(db, [post.id])[post.id],
        posts.categories_of(db, [post.id])[post.id],
        context.zone,
    )


def _enqueue(db: Session, channel: Channel, activity: dict[str, Any], inboxes: list[str]) -> int:
    body = orjson.dumps(activity).decode()
    now = utcnow()
    rows = [
        {
            "municipality_id": channel.municipality_id,
            "channel_id": channel.id,
            "inbox": inbox,
            "server": urlsplit(inbox).netloc,
            "activity": body,
            "attempts": 0,
            "next_attempt_at": now,
            "abandoned": False,
            "created_at": now,
        }
        for inbox in inboxes
    ]
    if rows:
        db.execute(Delivery.__table__.insert(), rows)  # type: ignore[attr-defined]
    return len(rows)


def follower_inboxes(db: Session, channel: Channel) -> list[str]:
    """One inbox per server that has a shared inbox, else each follower's own."""
    return list(
        db.scalars(
            select(Follower.delivery_inbox)
            .where(Follower.channel_id == channel.id)
            .group_by(Follower.delivery_inbox)
            .order_by(Follower.delivery_inbox)
        )
    )


def announce(db: Session, post: Post, context: Context) -> str | None:
    """Queue what the followers have not yet seen of the post: Create when it first became
    public, Update after an edit, Delete after a withdrawal. Returns the activity's type."""
    channel = db.get(Channel, post.channel_id)
    assert channel is not None
    urls = context.urls
    if post.withdrawn_at is not None:
        if post.federated_version <= 0:
            return None
        kind, found = "Delete", activitypub.tombstone(post, urls)
        post.federated_version = -1
    elif posts.is_public(post) and post.federated_version < post.version:
        kind = "Create" if post.federated_version == 0 else "Update"
        found = post_object(db, post, channel, context)
        post.federated_version = post.version
    else:
        return None
    if post.published_at is None:
        post.published_at = utcnow()
    _enqueue(
        db,
        channel,
        activitypub.activity(kind, found, channel, urls, post),
        follower_inboxes(db, channel),
    )
    db.flush()
    return kind


def announce_due(platform: Platform) -> int:
    """The publishing job: posts whose time has come, or withdrawn ones, in every
    municipality."""
    now = utcnow()
    due_filter = or_(
        (Post.withdrawn_at.is_(None))
        & (Post.publish_at <= now)
        & (Post.federated_version < Post.version),
        (Post.withdrawn_at.is_not(None)) & (Post.federated_version > 0),
    )
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        places = list(
            db.scalars(
                select(Municipality).where(
                    Municipality.id.in_(select(Post.municipality_id).where(due_filter))
                )
            )
        )
    done = 0
    for municipality in places:
        context = Context.of(platform, municipality)
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            for post in db.scalars(select(Post).where(due_filter).order_by(Post.publish_at)):
                done += announce(db, post, context) is not None
    return done


# --- incoming: the inbox ------------------------------------------------------------------


def _id_of(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _public_key(document: dict[str, Any], key_id: str, actor_uri: str) -> str:
    key = document.get("publicKey")
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict) and k.get("id") == key_id), None)
    if not isinstance(key, dict) or key.get("id") != key_id:
        raise InboxRefused(401, "the key is not the actor's")
    if _id_of(key.get("owner")) != actor_uri or document.get("id") != actor_uri:
        raise InboxRefused(401, "the key does not belong to the activity's actor")
    pem = key.get("publicKeyPem")
    if not isinstance(pem, str):
        raise InboxRefused(401, "no public key")
    return pem


def _channel_key(channel: Channel, context: Context) -> rsa.RSAPrivateKey:
    return signatures.load_private(posts.private_key_pem(channel, context.secret))


def receive(
    db: Session,
    channel: Channel,
    context: Context,
    *,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """Handle a POST to the channel's inbox; returns what was done. Raises InboxRefused for an
    unsigned, forged or unreadable request."""
    try:
        parsed = signatures.parse(headers.get("signature"))
    except signatures.SignatureError as exc:
        raise InboxRefused(401, str(exc)) from exc
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InboxRefused(400, "not JSON") from exc
    if not isinstance(activity, dict):
        raise InboxRefused(400, "not an activity")
    actor_uri = _id_of(activity.get("actor"))
    if not actor_uri or parsed.key_id.split("#")[0] != actor_uri.split("#")[0]:
        raise InboxRefused(401, "the signing key is not the actor's")
    known = db.scalar(select(Follower).where(Follower.actor_uri == actor_uri).limit(1))
    actor_document: dict[str, Any] | None = None
    if known is not None and known.key_id == parsed.key_id:
        pem = known.public_key_pem
    else:
        try:
            actor_document = fetch_json(
                actor_uri,
                context.urls.key_id(channel),
                _channel_key(channel, context),
                context.settings,
            )
        except RemoteError as exc:
            if activity.get("type") == "Delete":
                return "ignored: delete of an unknown actor"  # nothing of theirs is kept
            raise InboxRefused(401, f"the actor's key could not be fetched: {exc}") from exc
        pem = _public_key(actor_document, parsed.key_id, actor_uri)
    try:
        signatures.verify(parsed, pem, "POST", target, headers, body)
    except signatures.SignatureError as exc:
        raise InboxRefused(401, str(exc)) from exc
    kind = activity.get("type")
    if kind == "Follow" and _id_of(activity.get("object")) == context.urls.actor(channel):
        if actor_document is None:
            actor_document = fetch_json(
                actor_uri,
                context.urls.key_id(channel),
                _channel_key(channel, context),
                context.settings,
            )
        return _follow(db, channel, context, activity, actor_document, parsed.key_id, pem)
    if kind == "Undo" and isinstance(activity.get("object"), dict):
        undone = activity["object"]
        if undone.get("type") == "Follow" and _id_of(undone.get("actor")) == actor_uri:
            return _unfollow(db, channel, actor_uri)
    if kind == "Undo" and isinstance(activity.get("object"), str):
        # The Follow named by its id alone (bovine's form): only the id it followed with.
        return _unfollow(db, channel, actor_uri, follow_id=activity["object"])
    if kind == "Delete" and _id_of(activity.get("object")) == actor_uri:
        return _forget_actor(db, actor_uri)
    # Replies, likes, boosts: replies are off and the channel keeps no reactions.
    return f"ignored: {kind}"


def _follow(
    db: Session,
    channel: Channel,
    context: Context,
    activity: dict[str, Any],
    actor_document: dict[str, Any],
    key_id: str,
    pem: str,
) -> str:
    actor_uri = _id_of(activity.get("actor"))
    inbox = actor_document.get("inbox")
    if not isinstance(inbox, str):
        raise InboxRefused(400, "the actor has no inbox")
    endpoints = actor_document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    delivery_inbox = shared if isinstance(shared, str) and shared else inbox
    try:
        check_url(delivery_inbox, context.settings)
        check_url(inbox, context.settings)
    except RemoteError as exc:
        raise InboxRefused(400, f"the actor's inbox cannot be reached: {exc}") from exc
    follower = db.scalar(
        select(Follower).where(Follower.channel_id == channel.id, Follower.actor_uri == actor_uri)
    )
    if follower is None:
        follower = Follower(channel_id=channel.id, actor_uri=actor_uri[:500])
        db.add(follower)
    follower.inbox = inbox[:500]
    follower.delivery_inbox = delivery_inbox[:500]
    follower.server = urlsplit(delivery_inbox).netloc[:255]
    follower.key_id = key_id[:500]
    follower.public_key_pem = pem
    follow_id = _id_of(activity)
    follower.follow_id = follow_id if follow_id and len(follow_id) <= 500 else None
    db.flush()
    audit.record(
        db,
        actor=f"activitypub:{follower.server}",
        action="channel.follow",
        resource_type="channel",
        resource_id=channel.id,
        changes={"follower": follower.id},
    )
    _enqueue(db, channel, activitypub.accept(channel, context.urls, activity, follower.id), [inbox])
    return "followed"


def _unfollow(db: Session, channel: Channel, actor_uri: str, follow_id: str | None = None) -> str:
    follower = db.scalar(
        select(Follower).where(Follower.channel_id == channel.id, Follower.actor_uri == actor_uri)
    )
    if follower is not None and follow_id is not None and follower.follow_id != follow_id:
        return "ignored: Undo of something else"
    if follower is not None:
        db.delete(follower)
        audit.record(
            db,
            actor="activitypub",
            action="channel.unfollow",
            resource_type="channel",
            resource_id=channel.id,
        )
    return "unfollowed"


def _forget_actor(db: Session, actor_uri: str) -> str:
    db.execute(delete(Follower).where(Follower.actor_uri == actor_uri))
    return "actor forgotten"


# --- the delivery queue -------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    municipality_id: int
    server: str
    inbox: str
    body: bytes
    key_id: str
    key: rsa.RSAPrivateKey


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    permanent: bool
    result: str


async def _send(
    client: httpx.AsyncClient, job: _Job, gate: asyncio.Semaphore, settings: ChannelSettings
) -> _Outcome:
    async with gate:
        try:
            check_url(job.inbox, settings)
            headers = {
                "content-type": ACTIVITY_JSON,
                **signatures.sign("POST", job.inbox, job.key_id, job.key, job.body),
            }
            response = await client.post(job.inbox, content=job.body, headers=headers)
        except RemoteError as exc:
            return _Outcome(False, True, str(exc)[:200])
        except httpx.HTTPError as exc:
            return _Outcome(False, False, type(exc).__name__)
    if 200 <= response.status_code < 300:
        return _Outcome(True, False, f"HTTP {response.status_code}")
    return _Outcome(False, response.status_code in PERMANENT, f"HTTP {response.status_code}")


async def _send_all(jobs: list[_Job], settings: ChannelSettings) -> list[_Outcome]:
    gate = asyncio.Semaphore(settings.delivery_concurrency)
    # No keep-alive: a run sends about one request per server, and idle connections to
    # servers already done would hold the pool's places until they expire.
    limits = httpx.Limits(
        max_connections=settings.delivery_concurrency, max_keepalive_connections=0
    )
    async with httpx.AsyncClient(
        timeout=settings.delivery_timeout_seconds, limits=limits, follow_redirects=False
    ) as client:
        return await asyncio.gather(*(_send(client, job, gate, settings) for job in jobs))


def deliver_due(
    platform: Platform, now: datetime | None = None, settings: ChannelSettings | None = None
) -> dict[str, int]:
    """Send the deliveries that are due, to servers not in back-off; record each result.
    Returns counts: delivered, failed, abandoned."""
    now = now or utcnow()
    settings = settings or ChannelSettings()
    secret = platform.settings.require_secret_key()
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        resting = select(RemoteServer.host).where(
            RemoteServer.municipality_id == Delivery.municipality_id,
            RemoteServer.retry_at > now,
        )
        rows = db.execute(
            select(
                Delivery.id,
                Delivery.municipality_id,
                Delivery.server,
                Delivery.inbox,
                Delivery.activity,
                Delivery.channel_id,
            )
            .where(
                Delivery.delivered_at.is_(None),
                Delivery.abandoned.is_(False),
                Delivery.next_attempt_at <= now,
                Delivery.server.not_in(resting),
            )
            .order_by(Delivery.id)
            .limit(DELIVERIES_PER_RUN)
        ).all()
        channel_ids = {row.channel_id for row in rows}
        keys: dict[int, tuple[str, rsa.RSAPrivateKey]] = {}
        for channel in db.scalars(select(Channel).where(Channel.id.in_(channel_ids))):
            municipality = db.get(Municipality, channel.municipality_id)
            assert municipality is not None
            urls = Urls(platform.settings.effective_public_url, municipality.slug)
            pem = posts.private_key_pem(channel, secret)
            keys[channel.id] = (urls.key_id(channel), signatures.load_private(pem))
    jobs = [
        _Job(
            row.id,
            row.municipality_id,
            row.server,
            row.inbox,
            row.activity.encode(),
            *keys[row.channel_id],
        )
        for row in rows
    ]
    if not jobs:
        _forget_old(platform, now)
        return {"delivered": 0, "failed": 0, "abandoned": 0}
    outcomes = asyncio.run(_send_all(jobs, settings))
    return _record(platform, now, jobs, outcomes, settings)


def _record(
    platform: Platform,
    now: datetime,
    jobs: list[_Job],
    outcomes: list[_Outcome],
    settings: ChannelSettings,
) -> dict[str, int]:
    counts = {"delivered": 0, "failed": 0, "abandoned": 0}
    servers: dict[tuple[int, str], _Outcome] = {}
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        delivered = [
            job.delivery_id for job, outcome in zip(jobs, outcomes, strict=True) if outcome.ok
        ]
        for start in range(0, len(delivered), 1000):
            db.execute(
                update(Delivery)
                .where(Delivery.id.in_(delivered[start : start + 1000]))
                .values(delivered_at=now, attempts=Delivery.attempts + 1)
            )
        counts["delivered"] = len(delivered)
        for job, outcome in zip(jobs, outcomes, strict=True):
            previous = servers.get((job.municipality_id, job.server))
            # A server counts as up when any of its deliveries went through this round.
            if previous is None or (outcome.ok and not previous.ok):
                servers[(job.municipality_id, job.server)] = outcome
            if outcome.ok:
                continue
            delivery = db.get(Delivery, job.delivery_id)
            assert delivery is not None
            delivery.attempts += 1
            if outcome.permanent or delivery.attempts >= settings.max_attempts:
                delivery.abandoned = True
                counts["abandoned"] += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                counts["failed"] += 1
        _record_servers(db, now, servers)
    if counts["failed"] or counts["abandoned"]:
        log.info("channel deliveries not done", extra=counts)
    _forget_old(platform, now)
    return counts


def _forget_old(platform: Platform, now: datetime) -> None:
    """Done deliveries (delivered or given up) are kept a week for the status page, then go:
    an Accept names its follower."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        forget_done(platform, db, now)


DONE_LABEL = "delivery: 7 days after it was queued"


def _done_before(now: datetime) -> ColumnElement[bool]:
    return and_(
        Delivery.created_at < now - KEEP_DONE,
        or_(Delivery.delivered_at.is_not(None), Delivery.abandoned.is_(True)),
    )


def count_done(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run of `forget_done` in the session's scope."""
    rows = db.scalar(select(func.count()).select_from(Delivery).where(_done_before(now))) or 0
    return [Removal(Delivery.__tablename__, DONE_LABEL, "delete", rows)] if rows else []


def forget_done(platform: Platform, db: Session, now: datetime) -> Removed:
    """Delete the deliveries done a week before `now` (what `count_done` counted)."""
    result = db.execute(delete(Delivery).where(_done_before(now)))
    rows = int(getattr(result, "rowcount", 0) or 0)
    return Removed([Removal(Delivery.__tablename__, DONE_LABEL, "delete", rows)] if rows else [])


def _record_servers(db: Session, now: datetime, servers: dict[tuple[int, str], _Outcome]) -> None:
    known = {
        (server.municipality_id, server.host): server
        for municipality_id in {key[0] for key in servers}
        for server in db.scalars(
            select(RemoteServer).where(
                RemoteServer.municipality_id == municipality_id,
                RemoteServer.host.in_([key[1] for key in servers if key[0] == municipality_id]),
            )
        )
    }
    for key, outcome in servers.items():
        server = known.get(key)
        if server is None:
            server = RemoteServer(municipality_id=key[0], host=key[1], failures=0, last_result="")
            db.add(server)
        server.last_attempt_at = now
        server.last_result = outcome.result
        if outcome.ok:
            server.failures = 0
            server.retry_at = None
            server.last_success_at = now
        else:
            server.failures = (server.failures or 0) + 1
            server.retry_at = now + backoff(server.failures)


# --- the status page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServerStatus:
    host: str
    followers: int
    pending: int
    last_result: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    retry_at: datetime | None


def status(db: Session) -> list[ServerStatus]:
    # Rows as pairs (`.all()`): a Result has keys() and dict() would take it for a mapping.
    followers: dict[str, int] = dict(
        db.execute(select(Follower.server, func.count()).group_by(Follower.server)).all()
    )
    pending: dict[str, int] = dict(
        db.execute(
            select(Delivery.server, func.count())
            .where(Delivery.delivered_at.is_(None), Delivery.abandoned.is_(False))
            .group_by(Delivery.server)
        ).all()
    )
    servers = {server.host: server for server in db.scalars(select(RemoteServer))}
    hosts = sorted(set(followers) | set(pending) | set(servers))
    return [
        ServerStatus(
            host,
            followers.get(host, 0),
            pending.get(host, 0),
            servers[host].last_result if host in servers else "",
            servers[host].last_attempt_at if host in servers else None,
            servers[host].last_success_at if host in servers else None,
            servers[host].retry_at if host in servers else None,
        )
        for host in hosts
    ]


def follower_count(db: Session, channel: Channel) -> int:
    return (
        db.scalar(
            select(func.count()).select_from(Follower).where(Follower.channel_id == channel.id)
        )
        or 0
    )
