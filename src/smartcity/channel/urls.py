"""The public URLs of channels and posts: ActivityPub ids, portal pages and feeds.

ActivityPub ids must never change, so they are built in this one place."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from smartcity.channel.models import Channel, Post


@dataclass(frozen=True)
class Urls:
    public_url: str
    municipality: str

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).netloc

    @property
    def base(self) -> str:
        return f"{self.public_url}/{self.municipality}"

    def actor(self, channel: Channel) -> str:
        return f"{self.base}/ap/{channel.slug}"

    def key_id(self, channel: Channel) -> str:
        return f"{self.actor(channel)}#main-key"

    def inbox(self, channel: Channel) -> str:
        return f"{self.actor(channel)}/inbox"

    def outbox(self, channel: Channel) -> str:
        return f"{self.actor(channel)}/outbox"

    def followers(self, channel: Channel) -> str:
        return f"{self.actor(channel)}/followers"

    def icon(self, channel: Channel) -> str:
        return f"{self.actor(channel)}/icon.png"

    def object(self, post: Post) -> str:
        return f"{self.base}/ap/posts/{post.uid}"

    def page(self, post: Post) -> str:
        return f"{self.base}/aktuelles/{post.id}"

    def channel_page(self, channel: Channel) -> str:
        return f"{self.base}/aktuelles?kanal={channel.slug}"

    def image(self, public_id: str) -> str:
        return f"{self.base}/aktuelles/bilder/{public_id}"

    def feed(self, channel: Channel, kind: str, category: str | None = None) -> str:
        """kind: rss.xml, atom.xml, veranstaltungen.ics, warnungen.cap.xml"""
        where = f"{self.base}/kanal/{channel.slug}"
        if category:
            where += f"/kategorie/{category}"
        return f"{where}/{kind}"
