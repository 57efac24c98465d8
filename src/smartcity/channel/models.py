"""Channels, their posts and the federation state (followers, the delivery queue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

KINDS = ("news", "press", "event", "warning")
LANGUAGES = ("de", "en")
# CAP 1.2 values (OASIS CAP 1.2, section 3.2.2), the ones a warning of a city may carry.
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")


class Channel(TenantOwned, Base):
    """The municipality's main channel or one of a department (Feuerwehr, Bürgeramt); each is
    an ActivityPub actor with its own RSA key pair."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A URL segment within the municipality; the main channel's is the municipality's slug.
    slug: Mapped[str] = mapped_column(String(40))
    # The ActivityPub user name, unique on the instance: "dresden", "feuerwehr.dresden".
    handle: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    main: Mapped[bool] = mapped_column(default=False)
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(TenantOwned, Base):
    """One announcement. Public once `publish_at` has passed and until withdrawn; every edit
    raises `version`, which the feeds and ActivityPub `Update`s carry."""

    __tablename__ = "channel_post"
    __table_args__ = (Index("ix_channel_post_listing", "municipality_id", "publish_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    # A UUID: the stable id of feeds (Atom id, RSS guid, iCal UID, CAP identifier).
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(2), default="de")
    title: Mapped[str] = mapped_column(String(200))
    teaser: Mapped[str] = mapped_column(String(500), default="")
    # Sanitised on the way in (nh3, a small allow-list): safe to render as HTML.
    body_html: Mapped[str] = mapped_column(Text, default="")
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by the publishing job when the post first went out (feeds, followers).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The version last announced to followers (Create/Update), so that the job sends each once.
    federated_version: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    # Events.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    location: Mapped[str] = mapped_column(String(300), default="")
    # Warnings (CAP 1.2).
    severity: Mapped[str | None] = mapped_column(String(10), default=None)
    urgency: Mapped[str | None] = mapped_column(String(10), default=None)
    certainty: Mapped[str | None] = mapped_column(String(10), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # CAP polygon ("lat,lon lat,lon …", closed); empty: the municipality's AGS.
    area_polygon: Mapped[str] = mapped_column(Text, default="")
    area_description: Mapped[str] = mapped_column(String(300), default="")
    # "<module>:<key>" of the proposal (Module.channel_proposals) the post was made from.
    source: Mapped[str | None] = mapped_column(String(160), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostCategory(TenantOwned, Base):
    __tablename__ = "channel_post_category"
    __table_args__ = (UniqueConstraint("post_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("channel_post.id", ondelete="CASCADE"))
    # A slug ("verkehr"): a URL segment of the category's feeds.
    name: Mapped[str] = mapped_column(String(40), index=True)


class PostImage(TenantOwned, Base):
    """An image of a post: a checked upload (core.uploads) and its required alt text."""

    __tablename__ = "channel_post_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("channel_post.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="CASCADE"))
    alt: Mapped[str] = mapped_column(String(500))


class Follower(TenantOwned, Base):
    """A remote ActivityPub actor following a channel."""

    __tablename__ = "channel_follower"
    __table_args__ = (UniqueConstraint("channel_id", "actor_uri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    actor_uri: Mapped[str] = mapped_column(String(500))
    inbox: Mapped[str] = mapped_column(String(500))
    # Where the delivery goes: the server's shared inbox when it has one.
    delivery_inbox: Mapped[str] = mapped_column(String(500), index=True)
    server: Mapped[str] = mapped_column(String(255), index=True)
    # The follower's key as fetched when it followed: its Undo and the Delete of its account
    # (when the actor document is already gone) are verified with it.
    key_id: Mapped[str] = mapped_column(String(500))
    public_key_pem: Mapped[str] = mapped_column(Text)
    # The id of its Follow: an Undo may name the Follow by id only.
    follow_id: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(TenantOwned, Base):
    """One activity to one inbox, kept until delivered (or given up): the queue survives
    restarts because it is this table."""

    __tablename__ = "channel_delivery"
    __table_args__ = (Index("ix_channel_delivery_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    inbox: Mapped[str] = mapped_column(String(500))
    server: Mapped[str] = mapped_column(String(255), index=True)
    activity: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # After the last retry: no further attempts.
    abandoned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RemoteServer(TenantOwned, Base):
    """Delivery state per remote server: its back-off and the last result (the federation
    status page), so that one server being down delays only its own deliveries."""

    __tablename__ = "channel_remote_server"
    __table_args__ = (UniqueConstraint("municipality_id", "host"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_result: Mapped[str] = mapped_column(String(200), default="")
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
