"""ActivityStreams 2.0 documents of a channel: the actor, its posts as Notes, the activities
that announce them, the outbox and followers collections, WebFinger and NodeInfo.

A post becomes a `Note` (Mastodon shows a Note in full; an `Article` or `Event` only as a
link), whose content carries the title, teaser, body, and for an event its time and place."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape

from smartcity.channel.models import Channel, Post
from smartcity.channel.services import Image
from smartcity.channel.urls import Urls

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAGE_SIZE = 20


def _time(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))


def actor(channel: Channel, urls: Urls, municipality_name: str) -> dict[str, Any]:
    shown = f"{urls.host}/{urls.municipality}"
    return {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT],
        "id": urls.actor(channel),
        "type": "Organization",
        "preferredUsername": channel.handle,
        "name": channel.name,
        "summary": str(escape(channel.summary or municipality_name)),
        "url": urls.channel_page(channel),
        "inbox": urls.inbox(channel),
        "outbox": urls.outbox(channel),
        "followers": urls.followers(channel),
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": _time(channel.created_at),
        "icon": {"type": "Image", "mediaType": "image/png", "url": urls.icon(channel)},
        "attachment": [
            {
                "type": "PropertyValue",
                "name": "Website",
                "value": f'<a href="{urls.base}/" rel="me">{escape(shown)}</a>',
            },
            {
                "type": "PropertyValue",
                "name": "RSS",
                "value": f'<a href="{urls.feed(channel, "rss.xml")}">RSS</a>',
            },
        ],
        "publicKey": {
            "id": urls.key_id(channel),
            "owner": urls.actor(channel),
            "publicKeyPem": channel.public_key_pem,
        },
    }


def _content(post: Post, zone: str) -> str:
    parts = [f"<p><strong>{escape(post.title)}</strong></p>"]
    if post.kind == "event" and post.starts_at is not None:
        start = post.starts_at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
        parts.append(f"<p>{escape(start)} · {escape(post.location)}</p>")
    if post.teaser:
        parts.append(f"<p>{escape(post.teaser)}</p>")
    if post.body_html:
        parts.append(post.body_html)  # sanitised when it was saved
    return "".join(parts)


def note(
    post: Post,
    channel: Channel,
    urls: Urls,
    images: list[Image],
    categories: list[str],
    zone: str,
) -> dict[str, Any]:
    content = _content(post, zone)
    found: dict[str, Any] = {
        "id": urls.object(post),
        "type": "Note",
        "attributedTo": urls.actor(channel),
        "published": _time(post.publish_at),
        "url": urls.page(post),
        "to": [PUBLIC],
        "cc": [urls.followers(channel)],
        "content": content,
        "contentMap": {post.language: content},
        "sensitive": False,
        "attachment": [
            {
                "type": "Image",
                "mediaType": image.content_type,
                "url": urls.image(image.public_id),
                "name": image.alt,
            }
            for image in images
        ],
        "tag": [
            {"type": "Hashtag", "name": f"#{name}", "href": urls.feed(channel, "atom.xml", name)}
            for name in categories
        ],
        # Replies are off: the city answers through its services, not in threads.
        "commentsEnabled": False,
    }
    if post.version > 1:
        found["updated"] = _time(post.updated_at)
    return found


def tombstone(post: Post, urls: Urls) -> dict[str, Any]:
    return {"id": urls.object(post), "type": "Tombstone", "formerType": "Note"}


def activity(
    kind: str, post_object: dict[str, Any], channel: Channel, urls: Urls, post: Post
) -> dict[str, Any]:
    """Create, Update or Delete of a post; ids differ per version so that every Update is
    a new activity to the receivers."""
    suffix = {"Create": "create", "Update": f"update-{post.version}", "Delete": "delete"}[kind]
    return {
        "@context": AS_CONTEXT,
        "id": f"{urls.object(post)}#{suffix}",
        "type": kind,
        "actor": urls.actor(channel),
        "published": _time(post.updated_at if kind != "Create" else post.publish_at),
        "to": [PUBLIC],
        "cc": [urls.followers(channel)],
        "object": post_object,
    }


def accept(
    channel: Channel, urls: Urls, follow: dict[str, Any], follower_id: int
) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{urls.actor(channel)}#accepts/{follower_id}",
        "type": "Accept",
        "actor": urls.actor(channel),
        "object": follow,
    }


def outbox(channel: Channel, urls: Urls, total: int) -> dict[str, Any]:
    last = max(1, -(-total // PAGE_SIZE))
    return {
        "@context": AS_CONTEXT,
        "id": urls.outbox(channel),
        "type": "OrderedCollection",
        "totalItems": total,
        "first": f"{urls.outbox(channel)}?page=1",
        "last": f"{urls.outbox(channel)}?page={last}",
    }


def outbox_page(
    channel: Channel, urls: Urls, page: int, total: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": f"{urls.outbox(channel)}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": urls.outbox(channel),
        "totalItems": total,
        "orderedItems": items,
    }
    if page * PAGE_SIZE < total:
        found["next"] = f"{urls.outbox(channel)}?page={page + 1}"
    if page > 1:
        found["prev"] = f"{urls.outbox(channel)}?page={page - 1}"
    return found


def followers(channel: Channel, urls: Urls, total: int) -> dict[str, Any]:
    # The count only: who follows the city is personal data of the followers.
    return {
        "@context": AS_CONTEXT,
        "id": urls.followers(channel),
        "type": "OrderedCollection",
        "totalItems": total,
    }


def webfinger(channel: Channel, urls: Urls) -> dict[str, Any]:
    return {
        "subject": f"acct:{channel.handle}@{urls.host}",
        "aliases": [urls.actor(channel), urls.channel_page(channel)],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": urls.actor(channel)},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.channel_page(channel),
            },
        ],
    }


NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def nodeinfo(version: str, channels: int, posts: int) -> dict[str, Any]:
    return {
        "version": "2.1",
        "software": {
            "name": "smartcity",
            "version": version,
            "homepage": "https://github.com/",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": channels}, "localPosts": posts},
        "metadata": {"replies": "off"},
    }
