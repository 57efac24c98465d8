"""Announcements: staff write, schedule, update and withdraw posts; the portal shows them."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from tests.channel.conftest import local, saved_id, write
from tests.conftest import World
from tests.core.uploads.pictures import gps_jpeg, without_metadata
from tests.web.conftest import Browser, main_text


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


def test_a_news_post_is_on_the_portal_with_its_body_sanitised(
    publisher: Browser, client: TestClient, world: World
) -> None:
    post_id = saved_id(
        write(
            publisher,
            title="Neue Radwege",
            teaser="Ab Montag befahrbar.",
            body=(
                "<p>Mehr <strong>Platz</strong></p><script>alert(1)</script>"
                '<a href="javascript:x()">x</a>'
            ),
            categories="verkehr",
        )
    )
    listing = client.get("/dresden/aktuelles")
    assert "Neue Radwege" in main_text(listing)
    page = client.get(f"/dresden/aktuelles/{post_id}")
    assert page.status_code == 200
    assert "<strong>Platz</strong>" in page.text
    assert "<script>alert" not in page.text
    assert "javascript:" not in page.text
    assert "verkehr" in main_text(page)
    # Radebeul's portal knows nothing of Dresden's post.
    assert client.get(f"/radebeul/aktuelles/{post_id}").status_code == 404
    assert "Neue Radwege" not in client.get("/radebeul/aktuelles").text
    with world.tenant(world.dresden) as db:
        actions = list(
            db.scalars(select(AuditEntry.action).where(AuditEntry.resource_type == "channel_post"))
        )
    assert actions == ["channel.post.create"]


def test_only_staff_with_the_permission_write(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    clerk = Browser(new_client())
    clerk.login("dd.clerk.a")
    assert clerk.get("/dresden/verwaltung/kanal").status_code == 403
    anonymous = Browser(new_client())
    assert anonymous.get("/dresden/verwaltung/kanal", follow_redirects=False).status_code == 303


def test_a_scheduled_post_appears_only_when_its_time_has_come(
    publisher: Browser, client: TestClient
) -> None:
    later = utcnow() + timedelta(hours=2)
    post_id = saved_id(write(publisher, title="Später", publish_at=local(later)))
    assert client.get(f"/dresden/aktuelles/{post_id}").status_code == 404
    assert "Später" not in client.get("/dresden/aktuelles").text
    assert "scheduled" in publisher.get("/dresden/verwaltung/kanal?lang=en").text


def test_an_update_and_a_withdrawal(publisher: Browser, client: TestClient) -> None:
    post_id = saved_id(write(publisher, title="Erste Fassung"))
    saved_id(write(publisher, post_id=post_id, title="Zweite Fassung"))
    assert "Zweite Fassung" in client.get(f"/dresden/aktuelles/{post_id}").text
    response = publisher.submit(f"/dresden/verwaltung/kanal/{post_id}/zurueckziehen", {})
    assert response.status_code == 303
    assert client.get(f"/dresden/aktuelles/{post_id}").status_code == 410
    assert "Zweite Fassung" not in client.get("/dresden/aktuelles").text


def test_an_image_needs_its_alternative_text(publisher: Browser, client: TestClient) -> None:
    refused = write(publisher, title="Mit Bild", files={"image": ("bild.png", png(), "image/png")})
    assert refused.status_code == 422
    assert "alternative text" in refused.text or "Alternativtext" in refused.text
    post_id = saved_id(
        write(
            publisher,
            title="Mit Bild",
            image_alt="Ein roter Platz",
            files={"image": ("bild.png", png(), "image/png")},
        )
    )
    page = client.get(f"/dresden/aktuelles/{post_id}").text
    assert 'alt="Ein roter Platz"' in page
    src = page.split('class="post-image"')[0].rsplit('src="', 1)[1].split('"')[0]
    image = client.get(src)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"


def test_a_photo_keeps_nothing_of_where_it_was_taken(
    publisher: Browser, client: TestClient
) -> None:
    post_id = saved_id(
        write(
            publisher,
            title="Mit Foto",
            image_alt="Der Altmarkt",
            files={"image": ("IMG_0001.JPG", gps_jpeg((40, 30), orientation=6), "image/jpeg")},
        )
    )
    page = client.get(f"/dresden/aktuelles/{post_id}").text
    src = page.split('class="post-image"')[0].rsplit('src="', 1)[1].split('"')[0]
    image = client.get(src)
    assert image.status_code == 200
    assert without_metadata(image.content)  # no GPS position, camera or description
    with Image.open(io.BytesIO(image.content)) as shown:
        assert shown.size == (30, 40)  # upright


def test_an_unreadable_image_is_named_at_its_field(publisher: Browser) -> None:
    refused = write(
        publisher,
        title="Mit kaputtem Bild",
        image_alt="Kaputt",
        files={"image": ("bild.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "image/jpeg")},
    )
    assert refused.status_code == 422
    assert "Das Bild kann nicht gelesen werden" in main_text(refused)


def test_an_event_is_on_the_events_page(publisher: Browser, client: TestClient) -> None:
    start = utcnow() + timedelta(days=3)
    missing = write(publisher, kind="event", title="Bürgerversammlung")
    assert missing.status_code == 422
    saved_id(
        write(
            publisher,
            kind="event",
            title="Bürgerversammlung",
            starts_at=local(start),
            ends_at=local(start + timedelta(hours=2)),
            location="Rathaus",
        )
    )
    page = main_text(client.get("/dresden/veranstaltungen"))
    assert "Bürgerversammlung" in page
    assert "Rathaus" in page


def test_an_active_warning_is_a_banner_on_every_portal_page(
    publisher: Browser, client: TestClient
) -> None:
    post_id = saved_id(
        write(
            publisher,
            kind="warning",
            title="Sturmwarnung",
            severity="Severe",
            urgency="Immediate",
            certainty="Likely",
            expires_at=local(utcnow() + timedelta(hours=6)),
        )
    )
    for path in ("/dresden/aktuelles", "/dresden/veranstaltungen", f"/dresden/aktuelles/{post_id}"):
        page = client.get(path).text
        assert "Sturmwarnung" in page.split("<main")[0], path
    assert "Sturmwarnung" not in client.get("/radebeul/aktuelles").text
    publisher.submit(f"/dresden/verwaltung/kanal/{post_id}/zurueckziehen", {})
    assert "Sturmwarnung" not in client.get("/dresden/veranstaltungen").text


def test_a_department_channel(publisher: Browser, client: TestClient) -> None:
    response = publisher.submit(
        "/dresden/verwaltung/kanal/kanaele", {"slug": "feuerwehr", "name": "Feuerwehr Dresden"}
    )
    assert response.status_code == 303
    page = publisher.get("/dresden/verwaltung/kanal/neu").text
    option = page.split(">Feuerwehr Dresden<")[0].rsplit('value="', 1)[1].split('"')[0]
    saved_id(write(publisher, channel=option, title="Rauchmelder retten Leben"))
    listing = client.get("/dresden/aktuelles?kanal=feuerwehr")
    assert "Rauchmelder retten Leben" in main_text(listing)
    taken = publisher.submit(
        "/dresden/verwaltung/kanal/kanaele", {"slug": "feuerwehr", "name": "Noch einmal"}
    )
    assert taken.status_code == 422
