"""Filing and following reports through Open311: a report becomes a case in its category's
department, and status, notes and expected time flow back."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from tests.conftest import World, staff_client
from tests.core.uploads.pictures import gps_jpeg, png, without_metadata
from tests.open311.conftest import BASE, report

pytestmark = pytest.mark.usefixtures("categories")


def test_a_report_becomes_a_case_of_the_right_department(
    client: TestClient, admin: TestClient, app_key: str
) -> None:
    filed = report(client, app_key, email="melder@example.org", first_name="Erika")
    assert filed.status_code == 201, filed.text
    answer = filed.json()[0]
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    inbox = admin.get("/dresden/api/v1/cases", params={"department": "Straßen- und Tiefbauamt"})
    cases = inbox.json()["cases"]
    assert len(cases) == 1
    case = admin.get(f"/dresden/api/v1/cases/{cases[0]['id']}").json()
    assert case["data"]["attributes"] == {"flaeche": "fahrbahn"}
    assert case["contact_email"] == "melder@example.org"

    shown = client.get(f"{BASE}/requests/{answer['service_request_id']}.json").json()[0]
    assert shown["status"] == "open"
    assert shown["service_code"] == "strassenschaden"
    assert shown["agency_responsible"] == "Straßen- und Tiefbauamt"
    assert (shown["lat"], shown["long"]) == (51.0493, 13.7381)
    assert shown["expected_datetime"].endswith("Z")
    # Who reported it stays out of the public view.
    assert "melder@example.org" not in str(shown)
    assert "Erika" not in str(shown)
    token = client.get(f"{BASE}/tokens/{answer['token']}.json").json()
    assert token == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]


def test_status_notes_and_closing_flow_back(
    client: TestClient, admin: TestClient, app_key: str
) -> None:
    request_id = report(client, app_key).json()[0]["service_request_id"]
    case_id = admin.get("/dresden/api/v1/cases").json()["cases"][0]["id"]
    etag = admin.get(f"/dresden/api/v1/cases/{case_id}").headers["etag"]
    sent = admin.post(
        f"/dresden/api/v1/cases/{case_id}/messages",
        json={"text": "Wird nächste Woche ausgebessert."},
        headers={"If-Match": etag},
    )
    assert sent.status_code in (200, 201), sent.text
    shown = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert shown["status_notes"] == "Wird nächste Woche ausgebessert."
    etag = admin.get(f"/dresden/api/v1/cases/{case_id}").headers["etag"]
    closed = admin.post(
        f"/dresden/api/v1/cases/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": etag},
    )
    assert closed.status_code == 200, closed.text
    assert client.get(f"{BASE}/requests/{request_id}.json").json()[0]["status"] == "closed"
    xml = ElementTree.fromstring(client.get(f"{BASE}/requests/{request_id}.xml").content)
    assert xml.tag == "service_requests"
    assert xml.findtext("request/status") == "closed"
    assert xml.findtext("request/service_request_id") == request_id


def test_reopening_a_closed_report(client: TestClient, admin: TestClient, app_key: str) -> None:
    request_id = report(client, app_key).json()[0]["service_request_id"]
    again = client.post(f"{BASE}/requests/{request_id}/reopen.json", data={"api_key": app_key})
    assert again.status_code == 409
    case_id = admin.get("/dresden/api/v1/cases").json()["cases"][0]["id"]
    etag = admin.get(f"/dresden/api/v1/cases/{case_id}").headers["etag"]
    admin.post(
        f"/dresden/api/v1/cases/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": etag},
    )
    reopened = client.post(
        f"{BASE}/requests/{request_id}/reopen.json",
        data={"api_key": app_key, "description": "Das Loch ist wieder da."},
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()[0]["status"] == "open"
    cases = admin.get("/dresden/api/v1/cases", params={"status": "eingegangen"}).json()["cases"]
    assert len(cases) == 1
    assert cases[0]["id"] != case_id


def test_a_nearby_open_report_of_the_same_kind_is_pointed_out(
    client: TestClient, app_key: str
) -> None:
    first = report(client, app_key).json()[0]
    assert first["service_notice"] == ""
    # About 30 m away.
    second = report(client, app_key, lat="51.04957").json()[0]
    assert f"Nr. {first['service_request_id']}" in second["service_notice"]
    other_kind = report(
        client, app_key, service_code="spielplatz", **{"attribute[flaeche]": None}
    ).json()[0]
    assert other_kind["service_notice"] == ""
    near = client.get(
        f"{BASE}/requests.json",
        params={
            "lat": "51.0493",
            "long": "13.7381",
            "radius": "50",
            "service_code": "strassenschaden",
        },
    ).json()
    assert {r["service_request_id"] for r in near} == {
        first["service_request_id"],
        second["service_request_id"],
    }


def _file_with_photo(client: TestClient, app_key: str, photo: bytes) -> str:
    filed = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": app_key,
            "service_code": "spielplatz",
            "address_string": "Zwingerteich",
        },
        files={"media": ("schaukel.png", photo, "image/png")},
    )
    assert filed.status_code == 201, filed.text
    request_id: str = filed.json()[0]["service_request_id"]
    return request_id


def test_a_photo_is_public_only_once_a_clerk_has_released_it(
    client: TestClient, admin: TestClient, app_key: str, world: World
) -> None:
    photo = png()  # without metadata: stored as it is sent
    request_id = _file_with_photo(client, app_key, photo)
    # Nobody has looked at it yet: it may show faces or number plates.
    assert client.get(f"{BASE}/requests/{request_id}.json").json()[0]["media_url"] == ""
    case_id = admin.get("/dresden/api/v1/cases").json()["cases"][0]["id"]
    files = admin.get(f"/dresden/api/v1/cases/{case_id}").json()["files"]
    stored = admin.get(f"/dresden/api/v1/cases/{case_id}/files/{files[0]['id']}")
    assert stored.content == photo  # staff see it in the case

    review = f"/dresden/api/v1/open311/requests/{request_id}/photo"
    other_department = staff_client(client.app, "dd.clerk.a")
    assert other_department.put(review, json={"public": True}).status_code == 403
    released = admin.put(review, json={"public": True})
    assert released.json() == {"request_id": int(request_id), "public": True}

    media = client.get(f"{BASE}/requests/{request_id}.json").json()[0]["media_url"]
    assert "/dresden/open311/v2/media/" in media
    served = client.get(urlsplit(media).path)
    assert served.status_code == 200
    assert served.content == photo
    assert served.headers["content-type"] == "image/png"

    assert admin.put(review, json={"public": False}).json()["public"] is False
    assert client.get(urlsplit(media).path).status_code == 404
    with world.tenant(world.dresden) as db:
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("open311.photo%"))
        ).all()
    assert actions == ["open311.photo_shown", "open311.photo_hidden"]


def test_a_photo_keeps_nothing_of_where_it_was_taken(
    client: TestClient, admin: TestClient, app_key: str
) -> None:
    filed = client.post(
        f"{BASE}/requests.json",
        data={"api_key": app_key, "service_code": "spielplatz", "address_string": "Zwingerteich"},
        files={"media": ("IMG_0001.JPG", gps_jpeg((40, 30), orientation=6), "image/jpeg")},
    )
    assert filed.status_code == 201, filed.text
    case_id = admin.get("/dresden/api/v1/cases").json()["cases"][0]["id"]
    files = admin.get(f"/dresden/api/v1/cases/{case_id}").json()["files"]
    stored = admin.get(f"/dresden/api/v1/cases/{case_id}/files/{files[0]['id']}")
    assert stored.status_code == 200
    assert without_metadata(stored.content)  # no GPS position, camera or description
    with Image.open(io.BytesIO(stored.content)) as image:
        assert image.size == (30, 40)  # upright


def test_an_unreadable_photo_is_a_clear_refusal(client: TestClient, app_key: str) -> None:
    broken = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
    filed = client.post(
        f"{BASE}/requests.json",
        data={"api_key": app_key, "service_code": "spielplatz", "address_string": "Zwingerteich"},
        files={"media": ("schaukel.png", broken, "image/png")},
    )
    assert filed.status_code == 400
    assert "Bild kann nicht gelesen werden" in filed.json()[0]["description"]
    assert client.get(f"{BASE}/requests.json").json() == []


def test_a_photo_must_be_what_it_claims(client: TestClient, app_key: str) -> None:
    filed = client.post(
        f"{BASE}/requests.json",
        data={"api_key": app_key, "service_code": "spielplatz", "address_string": "Zwingerteich"},
        files={"media": ("foto.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")},
    )
    assert filed.status_code in (400, 415, 422)
    assert filed.json()[0]["code"] == filed.status_code
    assert client.get(f"{BASE}/requests.json").json() == []


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "sck_falsch"}, 403, "api_key"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": "91"}, 400, "WGS 84"),
        ({"attribute[flaeche]": None}, 400, "required"),
        ({"attribute[flaeche]": "dach"}, 400, "not one of"),
        ({"attribute[farbe]": "rot"}, 400, "no attribute"),
        ({"service_code": "gibtsnicht"}, 404, "no service"),
        ({"email": "keine-adresse"}, 400, "e-mail"),
    ],
)
def test_bad_reports_are_refused_in_open311_shape(
    client: TestClient, app_key: str, fields: dict[str, Any], status: int, message: str
) -> None:
    refused = report(client, app_key, **fields)
    assert refused.status_code == status
    error = refused.json()[0]
    assert error["code"] == status
    assert message in error["description"]
    assert client.get(f"{BASE}/requests.json").json() == []


def test_keys_of_another_municipality_or_scope_do_not_work(
    client: TestClient, world: World
) -> None:
    radebeul = world.api_key(world.radebeul, "open311:write")
    assert report(client, radebeul).status_code == 403
    sensors = world.api_key(world.dresden, "sta:write")
    refused = report(client, sensors)
    assert refused.status_code == 403
    assert "open311:write" in refused.json()[0]["description"]


def test_searching_requests(client: TestClient, admin: TestClient, app_key: str) -> None:
    ids = [report(client, app_key).json()[0]["service_request_id"] for _ in range(2)]
    report(client, app_key, service_code="spielplatz", **{"attribute[flaeche]": None})
    case_id = admin.get("/dresden/api/v1/cases").json()["cases"][0]["id"]
    etag = admin.get(f"/dresden/api/v1/cases/{case_id}").headers["etag"]
    admin.post(
        f"/dresden/api/v1/cases/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": etag},
    )
    everything = client.get(f"{BASE}/requests.json").json()
    assert len(everything) == 3
    by_code = client.get(f"{BASE}/requests.json", params={"service_code": "strassenschaden"})
    assert {r["service_request_id"] for r in by_code.json()} == set(ids)
    assert len(client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()) == 1
    assert len(client.get(f"{BASE}/requests.json", params={"status": "open"}).json()) == 2
    listed = client.get(f"{BASE}/requests.json", params={"service_request_id": ",".join(ids)})
    assert [r["service_request_id"] for r in listed.json()] == ids
    too_long = client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert too_long.status_code == 400
    assert client.get("/radebeul/open311/v2/requests.json").json() == []


def test_one_app_key_can_file_only_so_many_reports_an_hour(
    client: TestClient, app_key: str, world: World
) -> None:
    world.platform.settings.open311_reports_per_key_per_hour = 2
    other_app = world.api_key(world.dresden, "open311:write")
    assert [report(client, app_key).status_code for _ in range(2)] == [201, 201]
    refused = report(client, app_key)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert "too many reports" in refused.text
    # In Open311's own error shape, as every other refusal of this API.
    assert refused.json() == [{"code": 429, "description": refused.json()[0]["description"]}]
    assert report(client, other_app).status_code == 201  # each key counts alone
    assert len(client.get(f"{BASE}/requests.json").json()) == 3
