"""Channels and their posts: writing, scheduling, updating and withdrawing announcements.

Every change is audited; a public change is queued for the followers at once (`federation`),
a scheduled post by the publishing job when its time has come."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nh3
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from smartcity.channel import signatures
from smartcity.channel.models import (
    CERTAINTIES,
    KINDS,
    LANGUAGES,
    SEVERITIES,
    URGENCIES,
    Channel,
    Post,
    PostCategory,
    PostImage,
)
from smartcity.core import sealing
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.lookup import get_or_404
from smartcity.core.modules import ChannelProposal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.uploads.services import UploadLimits

IMAGE_TYPES = ("image/jpeg", "image/png")
UPLOAD_KIND = "channel_post"
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
# The safe formatting subset of a post's body: paragraphs, emphasis, lists, links, headings.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
_SEALED_AS = {"purpose": "channel actor key"}


def sanitise(html: str) -> str:
    """The body as safe HTML: anything outside the subset is dropped; links get rel."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# --- channels ---------------------------------------------------------------------------


def _new_channel(
    municipality: Municipality, slug: str, name: str, summary: str, main: bool, secret: str
) -> Channel:
    public, private = signatures.new_key_pair()
    handle = municipality.slug if main else f"{slug}.{municipality.slug}"
    return Channel(
        slug=slug,
        handle=handle,
        name=name,
        summary=summary,
        main=main,
        public_key_pem=public,
        private_key_sealed=sealing.seal(private, secret, owner=handle, **_SEALED_AS),
    )


def private_key_pem(channel: Channel, secret: str) -> bytes:
    return sealing.unseal(channel.private_key_sealed, secret, owner=channel.handle, **_SEALED_AS)


def main_channel(db: Session, municipality: Municipality, secret: str) -> Channel:
    """The municipality's main channel, made on first use."""
    found = db.scalar(select(Channel).where(Channel.main.is_(True)))
    if found is None:
        found = _new_channel(
            municipality,
            municipality.slug,
            municipality.display_name or municipality.name,
            "",
            True,
            secret,
        )
        db.add(found)
        db.flush()
    return found


def channels(db: Session) -> list[Channel]:
    return list(db.scalars(select(Channel).order_by(Channel.main.desc(), Channel.name)))


def channel_by_slug(db: Session, slug: str) -> Channel:
    found = db.scalar(select(Channel).where(Channel.slug == slug))
    if found is None:
        raise NotFound("There is no such channel.")
    return found


def create_department_channel(
    db: Session,
    municipality: Municipality,
    *,
    slug: str,
    name: str,
    summary: str,
    secret: str,
    actor: str,
) -> Channel:
    errors = {}
    # "posts" is a path segment of the ActivityPub objects (/{m}/ap/posts/…).
    if not SLUG.match(slug) or slug in (municipality.slug, "posts"):
        errors["slug"] = "Use 2 to 40 lower-case letters, digits and hyphens."
    elif db.scalar(select(Channel.id).where(Channel.slug == slug)) is not None:
        errors["slug"] = "This address is taken."
    if not name.strip():
        errors["name"] = "Please enter a name."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    main_channel(db, municipality, secret)
    channel = _new_channel(municipality, slug, name.strip(), summary.strip(), False, secret)
    db.add(channel)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="channel.create",
        resource_type="channel",
        resource_id=channel.id,
        changes={"slug": slug, "name": channel.name},
    )
    return channel


# --- posts ------------------------------------------------------------------------------


@dataclass
class ImageInput:
    name: str
    data: bytes
    alt: str


@dataclass
class PostInput:
    channel_id: int
    kind: str
    title: str
    teaser: str = ""
    body: str = ""
    language: str = "de"
    categories: Sequence[str] = ()
    publish_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str = ""
    severity: str | None = None
    urgency: str | None = None
    certainty: str | None = None
    expires_at: datetime | None = None
    area_polygon: str = ""
    area_description: str = ""
    images: Sequence[ImageInput] = field(default_factory=list)
    # The proposal of another module this post was made from ("<module>:<key>").
    source: str | None = None


def _polygon_ok(text: str) -> bool:
    """CAP 1.2 polygon: at least four "lat,lon" pairs, the first equal to the last."""
    pairs = text.split()
    if len(pairs) < 4 or pairs[0] != pairs[-1]:
        return False
    for pair in pairs:
        try:
            lat, lon = (float(v) for v in pair.split(","))
        except ValueError:
            return False
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return False
    return True


def _check(db: Session, data: PostInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if db.get(Channel, data.channel_id) is None:
        errors["channel"] = "Please choose a channel."
    if data.kind not in KINDS:
        errors["kind"] = "Please choose what kind of post this is."
    if not data.title.strip():
        errors["title"] = "Please enter a title."
    if data.language not in LANGUAGES:
        errors["language"] = "Please choose German or English."
    for category in data.categories:
        if not SLUG.match(category):
            errors["categories"] = "Categories: lower-case words, separated by commas."
    if data.kind == "event":
        if data.starts_at is None:
            errors["starts_at"] = "An event needs its start."
        elif data.ends_at is not None and data.ends_at < data.starts_at:
            errors["ends_at"] = "The end must be after the start."
        if not data.location.strip():
            errors["location"] = "An event needs its place."
    if data.kind == "warning":
        if data.severity not in SEVERITIES:
            errors["severity"] = "Please choose the severity."
        if data.urgency not in URGENCIES:
            errors["urgency"] = "Please choose the urgency."
        if data.certainty not in CERTAINTIES:
            errors["certainty"] = "Please choose the certainty."
        if data.expires_at is None:
            errors["expires_at"] = "A warning needs its expiry."
        if data.area_polygon.strip() and not _polygon_ok(data.area_polygon.strip()):
            errors["area_polygon"] = (
                'The area: "latitude,longitude" pairs separated by spaces, the first repeated '
                "at the end."
            )
    for image in data.images:
        if not image.alt.strip():
            errors["image_alt"] = "Every image needs a description (alternative text)."
    return errors


def _apply(post: Post, data: PostInput) -> None:
    post.channel_id = data.channel_id
    post.kind = data.kind
    post.title = data.title.strip()
    post.teaser = data.teaser.strip()
    post.body_html = sanitise(data.body)
    post.language = data.language
    is_event, is_warning = data.kind == "event", data.kind == "warning"
    post.starts_at = data.starts_at if is_event else None
    post.ends_at = data.ends_at if is_event else None
    post.location = data.location.strip() if is_event else ""
    post.severity = data.severity if is_warning else None
    post.urgency = data.urgency if is_warning else None
    post.certainty = data.certainty if is_warning else None
    post.expires_at = data.expires_at if is_warning else None
    post.area_polygon = data.area_polygon.strip() if is_warning else ""
    post.area_description = data.area_description.strip() if is_warning else ""


def _store_images(
    db: Session, post: Post, images: Sequence[ImageInput], data_dir: Path, limits: UploadLimits
) -> None:
    for image in images:
        stored = uploads.store(
            db,
            data_dir=data_dir,
            limits=limits,
            municipality_id=post.municipality_id,
            owner_kind=UPLOAD_KIND,
            owner_id=post.id,
            name=image.name,
            data=image.data,
            allowed=IMAGE_TYPES,
        )
        db.add(PostImage(post_id=post.id, file_id=stored.id, alt=image.alt.strip()[:500]))


def _set_categories(db: Session, post: Post, categories: Sequence[str]) -> None:
    db.execute(delete(PostCategory).where(PostCategory.post_id == post.id))
    for name in dict.fromkeys(categories):
        db.add(PostCategory(post_id=post.id, name=name))


def create_post(
    db: Session,
    data: PostInput,
    *,
    author_id: int | None,
    actor: str,
    data_dir: Path,
    limits: UploadLimits,
) -> Post:
    errors = _check(db, data)
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    now = utcnow()
    post = Post(
        uid=str(uuid.uuid4()),
        author_id=author_id,
        publish_at=data.publish_at or now,
        source=data.source or None,
    )
    _apply(post, data)
    post.updated_at = now
    db.add(post)
    db.flush()
    _set_categories(db, post, data.categories)
    _store_images(db, post, data.images, data_dir, limits)
    audit.record(
        db,
        actor=actor,
        action="channel.post.create",
        resource_type="channel_post",
        resource_id=post.id,
        changes={"kind": post.kind, "title": post.title, "publish_at": post.publish_at.isoformat()},
    )
    db.flush()
    return post


def update_post(
    db: Session,
    post: Post,
    data: PostInput,
    *,
    actor: str,
    data_dir: Path,
    limits: UploadLimits,
) -> Post:
    if post.withdrawn_at is not None:
        raise InvalidInput("A withdrawn post cannot be changed.")
    errors = _check(db, data)
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    before = {"title": post.title, "teaser": post.teaser, "body": post.body_html}
    _apply(post, data)
    if data.publish_at is not None and post.published_at is None:
        post.publish_at = data.publish_at
    post.version += 1
    post.updated_at = utcnow()
    _set_categories(db, post, data.categories)
    _store_images(db, post, data.images, data_dir, limits)
    audit.record(
        db,
        actor=actor,
        action="channel.post.update",
        resource_type="channel_post",
        resource_id=post.id,
        changes=audit.summarize_changes(
            before, {"title": post.title, "teaser": post.teaser, "body": post.body_html}
        ),
    )
    db.flush()
    return post


def withdraw_post(db: Session, post: Post, *, actor: str) -> Post:
    if post.withdrawn_at is None:
        post.withdrawn_at = utcnow()
        post.updated_at = post.withdrawn_at
        audit.record(
            db,
            actor=actor,
            action="channel.post.withdraw",
            resource_type="channel_post",
            resource_id=post.id,
        )
        db.flush()
    return post


def get_post(db: Session, post_id: int) -> Post:
    return get_or_404(db, Post, post_id, "post")


def is_public(post: Post, now: datetime | None = None) -> bool:
    return post.withdrawn_at is None and post.publish_at <= (now or utcnow())


def public_post(db: Session, post_id: int) -> Post:
    """A post the public may see; NotFound for a scheduled one (withdrawn ones: the caller
    answers 410 Gone)."""
    post = get_post(db, post_id)
    if post.publish_at > utcnow():
        raise NotFound("This post does not exist.")
    return post


def public_posts(
    db: Session,
    *,
    channel: Channel | None = None,
    category: str | None = None,
    kinds: Sequence[str] = KINDS,
    limit: int = 50,
    offset: int = 0,
) -> list[Post]:
    """Published, not withdrawn posts, newest first."""
    query = (
        select(Post)
        .where(Post.withdrawn_at.is_(None), Post.publish_at <= utcnow(), Post.kind.in_(kinds))
        .order_by(Post.publish_at.desc(), Post.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if channel is not None:
        query = query.where(Post.channel_id == channel.id)
    if category is not None:
        query = query.where(
            Post.id.in_(select(PostCategory.post_id).where(PostCategory.name == category))
        )
    return list(db.scalars(query))


def count_public_posts(db: Session, channel: Channel) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Post)
            .where(
                Post.channel_id == channel.id,
                Post.withdrawn_at.is_(None),
                Post.publish_at <= utcnow(),
            )
        )
        or 0
    )


def upcoming_events(db: Session, channel: Channel | None = None, limit: int = 100) -> list[Post]:
    now = utcnow()
    query = (
        select(Post)
        .where(
            Post.kind == "event",
            Post.withdrawn_at.is_(None),
            Post.publish_at <= now,
            or_(Post.ends_at >= now, Post.starts_at >= now),
        )
        .order_by(Post.starts_at)
        .limit(limit)
    )
    if channel is not None:
        query = query.where(Post.channel_id == channel.id)
    return list(db.scalars(query))


def events(db: Session, channel: Channel | None = None, limit: int = 500) -> list[Post]:
    """Every published event (past ones too: a calendar keeps them), for the iCal feed."""
    query = (
        select(Post)
        .where(Post.kind == "event", Post.withdrawn_at.is_(None), Post.publish_at <= utcnow())
        .order_by(Post.starts_at.desc())
        .limit(limit)
    )
    if channel is not None:
        query = query.where(Post.channel_id == channel.id)
    return list(db.scalars(query))


def active_warnings(db: Session, channel: Channel | None = None) -> list[Post]:
    now = utcnow()
    query = (
        select(Post)
        .where(
            Post.kind == "warning",
            Post.withdrawn_at.is_(None),
            Post.publish_at <= now,
            Post.expires_at > now,
        )
        .order_by(Post.publish_at.desc())
    )
    if channel is not None:
        query = query.where(Post.channel_id == channel.id)
    return list(db.scalars(query))


def open_proposals(
    db: Session, proposals: Sequence[tuple[str, ChannelProposal]]
) -> list[tuple[str, ChannelProposal]]:
    """The proposals of other modules no post was made from yet, by "<module>:<key>"."""
    taken = set(db.scalars(select(Post.source).where(Post.source.is_not(None))))
    return [(f"{name}:{p.key}", p) for name, p in proposals if f"{name}:{p.key}" not in taken]


def all_posts(db: Session, limit: int = 200) -> list[Post]:
    """For the back office: every post, scheduled and withdrawn ones too, newest first."""
    return list(
        db.scalars(select(Post).order_by(Post.publish_at.desc(), Post.id.desc()).limit(limit))
    )


def categories_of(db: Session, post_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {post_id: [] for post_id in post_ids}
    if post_ids:
        rows = db.execute(
            select(PostCategory.post_id, PostCategory.name)
            .where(PostCategory.post_id.in_(post_ids))
            .order_by(PostCategory.name)
        )
        for post_id, name in rows:
            found[post_id].append(name)
    return found


def channel_categories(db: Session, channel: Channel) -> list[str]:
    return list(
        db.scalars(
            select(PostCategory.name)
            .join(Post, Post.id == PostCategory.post_id)
            .where(Post.channel_id == channel.id, Post.withdrawn_at.is_(None))
            .group_by(PostCategory.name)
            .order_by(func.count().desc(), PostCategory.name)
        )
    )


@dataclass(frozen=True)
class Image:
    public_id: str
    content_type: str
    alt: str


def images_of(db: Session, post_ids: Sequence[int]) -> dict[int, list[Image]]:
    found: dict[int, list[Image]] = {post_id: [] for post_id in post_ids}
    if post_ids:
        rows = db.execute(
            select(PostImage.post_id, StoredFile.public_id, StoredFile.content_type, PostImage.alt)
            .join(StoredFile, StoredFile.id == PostImage.file_id)
            .where(PostImage.post_id.in_(post_ids))
            .order_by(PostImage.id)
        )
        for post_id, public_id, content_type, alt in rows:
            found[post_id].append(Image(public_id, content_type, alt))
    return found


def public_image(db: Session, public_id: str) -> StoredFile:
    """An image of a public post (an image of a scheduled or withdrawn one is not found)."""
    row = db.execute(
        select(StoredFile, Post)
        .join(PostImage, PostImage.file_id == StoredFile.id)
        .join(Post, Post.id == PostImage.post_id)
        .where(StoredFile.public_id == public_id)
    ).first()
    if row is None or not is_public(row[1]):
        raise NotFound("There is no such image.")
    stored: StoredFile = row[0]
    return stored
