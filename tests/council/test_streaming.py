"""Streaming and the archive: a meeting's HLS stream and recording, configured by the council
office, are played by the portal's own <video> element (only the city's streaming server is
let into the page's content security policy); the recording's chapters link each agenda item
to its time (`#t=`) and are served as WebVTT; members record their consent to be streamed
(privacy consent records), and the back office names who has not consented."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.council import media
from smartcity.council.demo import Seeded
from smartcity.council.models import AgendaItem
from smartcity.council.models_office import PersonContact
from smartcity.privacy import records
from tests.conftest import World
from tests.web.conftest import Browser

STREAM = "https://stream.stadt.example/live/rat.m3u8"
RECORDING = "https://stream.stadt.example/archiv/rat.mp4"


def test_the_office_configures_stream_recording_and_chapters(
    world: World, client: TestClient, council: Seeded, office: Browser
) -> None:
    meeting = council.meetings[1]
    with world.tenant(world.dresden) as db:
        items = db.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.order)
        ).all()
        public = [i for i in items if i.public]
        secret = next(i for i in items if not i.public)
        db.expunge_all()
    path = f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/uebertragung"
    assert office.get(path).status_code == 200
    form = {
        "stream_url": STREAM,
        "recording_url": RECORDING,
        "recording_started_at": "",
        f"top-{public[0].id}": "0:05:00",
        f"top-{public[1].id}": "42:10",
        f"top-{secret.id}": "1:30:00",
    }
    # Bad input: the form again with the errors, nothing saved.
    bad = office.submit(
        path, {**form, "stream_url": "javascript:alert(1)", f"top-{public[1].id}": "x"}
    )
    assert bad.status_code == 422
    assert "Webadresse" in bad.text or "h:mm:ss" in bad.text
    assert office.submit(path, form).status_code == 303

    page = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}")
    assert page.status_code == 200
    assert f'src="{RECORDING}"' in page.text
    assert "<video" in page.text
    assert f'href="{RECORDING}#t=300"' in page.text
    assert f'href="{RECORDING}#t=2530"' in page.text
    assert "#t=5400" not in page.text  # the non-public item is no chapter on the portal
    policy = page.headers["content-security-policy"]
    assert "media-src 'self' blob: https://stream.stadt.example" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # A page without a stream keeps the platform's policy.
    other = client.get(f"/dresden/ratsinfo/sitzungen/{council.meetings[0].id}")
    assert "stream.stadt.example" not in other.headers["content-security-policy"]
    assert "<video" not in other.text

    vtt = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}/kapitel.vtt")
    assert vtt.status_code == 200
    assert vtt.headers["content-type"].startswith("text/vtt")
    lines = vtt.text.splitlines()
    assert lines[0] == "WEBVTT"
    assert "00:05:00.000 --> 00:42:10.000" in lines
    assert secret.name not in vtt.text
    assert (
        client.get(f"/dresden/ratsinfo/sitzungen/{council.meetings[0].id}/kapitel.vtt").status_code
        == 404
    )
    # The chapters are the items' start times (OParl's AgendaItem `start`).
    with world.tenant(world.dresden) as db:
        item = db.get(AgendaItem, public[1].id)
        assert item is not None
        assert item.start is not None
        assert int((item.start - meeting.start).total_seconds()) == 2530
    # The form shows them again as entered.
    assert 'value="0:42:10"' in office.get(path).text


def test_live_stream_before_the_meeting_is_held(
    world: World, client: TestClient, council: Seeded, office: Browser
) -> None:
    upcoming = council.meetings[-1]
    path = f"/dresden/verwaltung/ratsinfo/sitzungen/{upcoming.id}/uebertragung"
    assert office.submit(path, {"stream_url": STREAM}).status_code == 303
    page = client.get(f"/dresden/ratsinfo/sitzungen/{upcoming.id}").text
    assert f'data-hls="{STREAM}"' in page
    assert 'type="application/vnd.apple.mpegurl"' in page
    assert "Livestream" in page
    # The player is ours: hls.js is served by us (no request to a CDN).
    assert 'src="/static/council-media/hls.light.min.js"' in page
    assert 'src="/static/council-media/council-player.js"' in page
    for name in ("hls.light.min.js", "council-player.js"):
        script = client.get(f"/static/council-media/{name}")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/council-media/..%2Fmodels.py").status_code == 404
    assert client.get("/static/council-media/hls.js").status_code == 404


def test_consent_to_be_streamed_and_who_has_not_given_it(
    world: World, council: Seeded, office: Browser, client: TestClient
) -> None:
    meeting = council.meetings[0]  # the council: all 30 members
    person = council.persons[3]
    contact = f"/dresden/verwaltung/ratsinfo/personen/{person.id}/kontakt"
    assert office.get(contact).status_code == 200
    # The demo: persons 9, 19, 29 have not consented.
    page = office.get(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht").text
    assert "Keine Einwilligung in die Übertragung" in page
    assert council.persons[9].name in page
    assert person.name not in page.split("Keine Einwilligung", 1)[1].split("</div>", 1)[0]
    # Withdrawn: named at once; the privacy module holds the record.
    assert office.submit(contact, {"email": "rat3@example.org"}).status_code == 303
    page = office.get(f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht").text
    assert person.name in page.split("Keine Einwilligung", 1)[1].split("</div>", 1)[0]
    assert office.submit(contact, {"email": "rat3@example.org", "consent": "1"}).status_code == 303
    with world.tenant(world.dresden) as db:
        assert records.consented(db, media.STREAM_PURPOSE, "rat3@example.org")
        found = db.scalar(select(PersonContact).where(PersonContact.person_id == person.id))
        assert found is not None
        assert found.email == "rat3@example.org"
    assert office.submit(contact, {"email": "rat3@example.org"}).status_code == 303
    with world.tenant(world.dresden) as db:
        assert not records.consented(db, media.STREAM_PURPOSE, "rat3@example.org")
        assert [c.withdrawn_at is not None for c in records.consents(db, "rat3@example.org")] == [
            True
        ]
    # No address, no consent: a clear error.
    refused = office.submit(contact, {"email": "", "consent": "1"})
    assert refused.status_code == 422
    assert "E-Mail-Adresse" in refused.text
    assert office.submit(contact, {"email": "not an address"}).status_code == 422
    # The public page names nobody; the contact address is never public.
    public = client.get(f"/dresden/ratsinfo/sitzungen/{meeting.id}").text
    assert "Keine Einwilligung" not in public
    assert "rat3@example.org" not in client.get(f"/dresden/ratsinfo/personen/{person.id}").text
    assert client.get(contact, follow_redirects=False).status_code == 303
