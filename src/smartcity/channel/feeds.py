"""The channel's feeds: RSS 2.0 and Atom 1.0 (feedgen), the events as iCalendar (icalendar)
and the warnings as CAP 1.2 (lxml). Ids are the posts' UUIDs, so they never change; the
updated dates are the posts' last changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from feedgen.feed import FeedGenerator
from lxml import etree

from smartcity.channel.models import Channel, Post
from smartcity.channel.urls import Urls
from smartcity.core.tenancy.models import Municipality

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"


def _summary(post: Post) -> str:
    return post.teaser or post.title


def _generator(
    channel: Channel, urls: Urls, kind: str, category: str | None, posts: Sequence[Post]
) -> FeedGenerator:
    feed = FeedGenerator()
    title = channel.name + (f" – {category}" if category else "")
    # The Atom feed's own URL: stable, and the same id for both formats of one feed.
    feed.id(urls.feed(channel, "atom.xml", category))
    feed.title(title)
    feed.subtitle(channel.summary or channel.name)
    feed.link(href=urls.channel_page(channel), rel="alternate")
    feed.link(href=urls.feed(channel, kind, category), rel="self")
    feed.language("de")
    feed.generator("smartcity")
    newest = max((post.updated_at for post in posts), default=channel.created_at)
    feed.updated(newest)
    feed.lastBuildDate(newest)
    # feedgen prepends entries; add the oldest first so that the newest is on top.
    for post in reversed(posts):
        entry = feed.add_entry()
        entry.id(f"urn:uuid:{post.uid}")
        entry.guid(f"urn:uuid:{post.uid}", permalink=False)
        entry.title(post.title)
        entry.link(href=urls.page(post))
        entry.summary(_summary(post))
        if post.body_html:
            entry.content(post.body_html, type="html")
        entry.published(post.publish_at)
        entry.pubDate(post.publish_at)
        entry.updated(post.updated_at)
        entry.author(name=channel.name)
    return feed


def rss(channel: Channel, urls: Urls, posts: Sequence[Post], category: str | None = None) -> bytes:
    feed = _generator(channel, urls, "rss.xml", category, posts)
    return bytes(feed.rss_str(pretty=True))


def atom(channel: Channel, urls: Urls, posts: Sequence[Post], category: str | None = None) -> bytes:
    feed = _generator(channel, urls, "atom.xml", category, posts)
    return bytes(feed.atom_str(pretty=True))


def ical(channel: Channel, urls: Urls, events: Sequence[Post], zone: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//smartcity//channel//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", channel.name)
    calendar.add("x-wr-timezone", zone)
    for post in events:
        if post.starts_at is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"{post.uid}@{urls.host}")
        event.add("summary", post.title)
        event.add("dtstart", post.starts_at.astimezone(UTC))
        event.add("dtend", (post.ends_at or post.starts_at + timedelta(hours=1)).astimezone(UTC))
        event.add("dtstamp", post.updated_at.astimezone(UTC))
        event.add("last-modified", post.updated_at.astimezone(UTC))
        event.add("created", post.publish_at.astimezone(UTC))
        event.add("sequence", post.version - 1)
        event.add("location", post.location)
        event.add("description", post.teaser)
        event.add("url", urls.page(post))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _cap_time(moment: datetime, zone: str) -> str:
    # CAP 1.2 dateTime: with an explicit offset, never "Z" (section 3.3.2).
    return moment.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def cap_alert(
    post: Post, channel: Channel, urls: Urls, municipality: Municipality
) -> etree._Element:
    """One warning as a CAP 1.2 `alert`: an update or withdrawal references the same
    identifier, so receivers replace or cancel it."""
    zone = municipality.timezone
    cap = f"{{{CAP_NAMESPACE}}}"
    # The default namespace (lxml takes None as its prefix; the stubs do not know it).
    alert = etree.Element(cap + "alert", nsmap={None: CAP_NAMESPACE})  # type: ignore[dict-item]

    def add(parent: etree._Element, name: str, text: str) -> etree._Element:
        child = etree.SubElement(parent, cap + name)
        child.text = text
        return child

    add(alert, "identifier", f"urn:uuid:{post.uid}")
    add(alert, "sender", f"{channel.handle}@{urls.host}")
    add(alert, "sent", _cap_time(post.updated_at, zone))
    add(alert, "status", "Actual")
    add(
        alert,
        "msgType",
        "Cancel" if post.withdrawn_at else ("Update" if post.version > 1 else "Alert"),
    )
    add(alert, "scope", "Public")
    if post.version > 1 or post.withdrawn_at:
        add(
            alert,
            "references",
            f"{channel.handle}@{urls.host},urn:uuid:{post.uid},{_cap_time(post.publish_at, zone)}",
        )
    info = etree.SubElement(alert, cap + "info")
    add(info, "language", "de-DE" if post.language == "de" else "en-GB")
    add(info, "category", "Safety")
    add(info, "event", post.title)
    add(info, "urgency", post.urgency or "Unknown")
    add(info, "severity", post.severity or "Unknown")
    add(info, "certainty", post.certainty or "Unknown")
    add(info, "onset", _cap_time(post.publish_at, zone))
    if post.expires_at is not None:
        add(info, "expires", _cap_time(post.expires_at, zone))
    add(info, "senderName", channel.name)
    add(info, "headline", post.title)
    add(info, "description", post.teaser or post.title)
    add(info, "web", urls.page(post))
    area = etree.SubElement(info, cap + "area")
    add(area, "areaDesc", post.area_description or municipality.name)
    if post.area_polygon:
        add(area, "polygon", post.area_polygon)
    geocode = etree.SubElement(area, cap + "geocode")
    add(geocode, "valueName", "AGS")
    add(geocode, "value", municipality.ags)
    return alert


def cap_feed(
    channel: Channel, urls: Urls, warnings: Sequence[Post], municipality: Municipality
) -> bytes:
    """The active warnings: an Atom feed whose entries carry each CAP alert (the form
    German warning systems and the public alert hubs poll)."""
    atom_ns = "http://www.w3.org/2005/Atom"
    a = f"{{{atom_ns}}}"
    feed = etree.Element(a + "feed", nsmap={None: atom_ns})  # type: ignore[dict-item]
    etree.SubElement(feed, a + "id").text = urls.feed(channel, "warnungen.cap.xml")
    etree.SubElement(feed, a + "title").text = f"{channel.name} – CAP"
    newest = max((w.updated_at for w in warnings), default=channel.created_at)
    etree.SubElement(feed, a + "updated").text = newest.astimezone(UTC).isoformat()
    etree.SubElement(feed, a + "link", rel="self", href=urls.feed(channel, "warnungen.cap.xml"))
    for post in warnings:
        entry = etree.SubElement(feed, a + "entry")
        etree.SubElement(entry, a + "id").text = f"urn:uuid:{post.uid}"
        etree.SubElement(entry, a + "title").text = post.title
        etree.SubElement(entry, a + "updated").text = post.updated_at.astimezone(UTC).isoformat()
        etree.SubElement(entry, a + "link", rel="alternate", href=urls.page(post))
        content = etree.SubElement(entry, a + "content", type="text/xml")
        content.append(cap_alert(post, channel, urls, municipality))
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))
