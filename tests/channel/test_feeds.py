"""The feeds as their readers see them: feedparser for RSS and Atom, icalendar for the
events, the CAP 1.2 schema for the warnings, and the portal's `<link rel="alternate">`."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import feedparser
import icalendar
from fastapi.testclient import TestClient
from lxml import etree

from smartcity.core.db import utcnow
from tests.channel.conftest import local, saved_id, write
from tests.web.conftest import Browser

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "cap_1_2.xsd")))


def test_rss_and_atom_per_channel_and_category(publisher: Browser, client: TestClient) -> None:
    first = saved_id(
        write(publisher, title="Radweg fertig", teaser="Ab Montag.", categories="verkehr")
    )
    saved_id(write(publisher, title="Bibliothek sonntags offen", categories="kultur"))
    hidden = saved_id(
        write(publisher, title="Noch geheim", publish_at=local(utcnow() + timedelta(days=1)))
    )
    for kind in ("rss.xml", "atom.xml"):
        response = client.get(f"/dresden/kanal/dresden/{kind}")
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title == "Dresden"
        titles = [entry.title for entry in feed.entries]
        assert titles == ["Bibliothek sonntags offen", "Radweg fertig"]
        radweg = feed.entries[1]
        assert radweg.link.endswith(f"/dresden/aktuelles/{first}")
        assert radweg.id.startswith("urn:uuid:")
        assert radweg.published_parsed is not None
        assert all(str(hidden) not in entry.link for entry in feed.entries)
        category = feedparser.parse(
            client.get(f"/dresden/kanal/dresden/kategorie/verkehr/{kind}").content
        )
        assert not category.bozo
        assert [entry.title for entry in category.entries] == ["Radweg fertig"]
    atom_before = feedparser.parse(client.get("/dresden/kanal/dresden/atom.xml").content)
    time.sleep(1.1)  # feed dates have whole seconds: the edit must be in a later one
    saved_id(
        write(publisher, post_id=first, title="Radweg fertig (aktualisiert)", categories="verkehr")
    )
    atom_after = feedparser.parse(client.get("/dresden/kanal/dresden/atom.xml").content)
    before = {e.id: e for e in atom_before.entries}
    after = {e.id: e for e in atom_after.entries}
    assert before.keys() == after.keys()  # stable ids across an edit
    changed = next(e for e in after.values() if e.title.endswith("(aktualisiert)"))
    assert changed.updated_parsed > before[changed.id].updated_parsed


def test_the_events_as_icalendar(publisher: Browser, client: TestClient) -> None:
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    saved_id(
        write(
            publisher,
            kind="event",
            title="Striezelmarkt",
            starts_at=local(start),
            ends_at=local(start + timedelta(hours=3)),
            location="Altmarkt",
        )
    )
    response = client.get("/dresden/kanal/dresden/veranstaltungen.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Striezelmarkt"
    assert str(event["location"]) == "Altmarkt"
    assert event.decoded("dtstart") == start
    assert "@" in str(event["uid"])


def test_warnings_as_cap_1_2_valid_against_the_schema(
    publisher: Browser, client: TestClient
) -> None:
    saved_id(
        write(
            publisher,
            kind="warning",
            title="Hochwasser an der Elbe",
            teaser="Pegel über 6 m erwartet.",
            severity="Severe",
            urgency="Expected",
            certainty="Likely",
            expires_at=local(utcnow() + timedelta(days=1)),
            area_description="Elbufer Altstadt",
            area_polygon="51.05,13.73 51.06,13.74 51.05,13.75 51.05,13.73",
        )
    )
    saved_id(
        write(
            publisher,
            kind="warning",
            title="Glätte",
            severity="Moderate",
            urgency="Immediate",
            certainty="Observed",
            expires_at=local(utcnow() + timedelta(hours=5)),
        )
    )
    feed = etree.fromstring(client.get("/dresden/kanal/dresden/warnungen.cap.xml").content)
    alerts = feed.findall(f".//{{{CAP}}}alert")
    assert len(alerts) == 2
    for alert in alerts:
        CAP_SCHEMA.assertValid(alert)
    by_event = {a.findtext(f".//{{{CAP}}}event"): a for a in alerts}
    flood = by_event["Hochwasser an der Elbe"]
    assert flood.findtext(f".//{{{CAP}}}severity") == "Severe"
    assert (flood.findtext(f".//{{{CAP}}}polygon") or "").startswith("51.05,13.73")
    ice = by_event["Glätte"]
    assert ice.findtext(f".//{{{CAP}}}geocode/{{{CAP}}}value") == "14612000"  # Dresden's AGS
    assert ice.findtext(f".//{{{CAP}}}expires") is not None


def test_a_warning_with_a_broken_polygon_is_refused(publisher: Browser) -> None:
    response = write(
        publisher,
        kind="warning",
        title="Kaputt",
        severity="Minor",
        urgency="Past",
        certainty="Observed",
        expires_at=local(utcnow() + timedelta(hours=1)),
        area_polygon="51,13 52,14",
    )
    assert response.status_code == 422


def test_feeds_are_announced_in_every_portal_page(publisher: Browser, client: TestClient) -> None:
    publisher.submit(
        "/dresden/verwaltung/kanal/kanaele", {"slug": "feuerwehr", "name": "Feuerwehr"}
    )
    for path in ("/dresden/", "/dresden/aktuelles"):
        head = client.get(path).text.split("</head>")[0]
        links = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', head)
        assert ("application/atom+xml", "/dresden/kanal/dresden/atom.xml") in links, path
        assert ("application/rss+xml", "/dresden/kanal/feuerwehr/rss.xml") in links, path
        assert ("text/calendar", "/dresden/kanal/dresden/veranstaltungen.ics") in links, path
        for _, href in links:
            assert client.get(href).status_code == 200
