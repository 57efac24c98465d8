"""The Stadtwerke import their meters; citizens submit readings and get a signed receipt;
implausible ones wait for review; accepted ones go to billing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.signing.services import verify
from smartcity.core.uploads.models import StoredFile
from smartcity.watermeter.models import MeterReading
from tests.citizen.conftest import mails, staff
from tests.conftest import World
from tests.core.uploads.pictures import gps_jpeg, png, without_metadata

BASE = "/dresden/api/v1/watermeter"
PNG = png()  # without metadata: stored as it is sent
REGISTRY = (
    "meter_number;address;digits;last_reading;last_reading_date;persons\n"
    "WZ-1001;Altmarkt 1, 01067 Dresden;5;1000,000;01.01.2026;2\n"
    "WZ-1002;Neumarkt 2, 01067 Dresden;5;99990,000;2026-01-01;2\n"
    "WZ-1003;Postplatz 3, 01067 Dresden;6;500,5;2026-01-01;\n"
)


@pytest.fixture
def operator(new_client: Callable[[], TestClient], world: World) -> TestClient:
    client = staff(new_client, "dd.operator")
    answer = client.post(
        f"{BASE}/meters/import", content=REGISTRY, headers={"Content-Type": "text/csv"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 3, "updated": 0}
    return client


def _submit(citizen: TestClient, meter: str, reading: str, on: date, **extra: Any) -> Any:
    files = extra.pop("files", None)
    return citizen.post(
        f"{BASE}/readings",
        data={
            "meter_number": meter,
            "reading": reading,
            "read_on": on.strftime("%d.%m.%Y"),
            **extra,
        },
        files=files,
    )


def test_an_accepted_reading_with_a_receipt_that_verifies(
    operator: TestClient, client: TestClient, world: World
) -> None:
    answer = _submit(client, "WZ-1001", "1025,000", date(2026, 4, 11), email="erika@example.org")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["consumption_m3"] == 25.0
    claims = verify(body["receipt"], client.get("/dresden/.well-known/jwks.json").json())
    assert claims["meter_number"] == "WZ-1001"
    assert claims["reading_liters"] == 1_025_000
    assert client.get(f"{BASE}/readings/{body['tracking_code']}").json()["status"] == "accepted"
    pdf = client.get(f"{BASE}/readings/{body['tracking_code']}/receipt.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert any(body["tracking_code"] in m["Subject"] for m in mails(world))
    # The next reading compares with this one.
    again = _submit(client, "WZ-1001", "1025,000", date(2026, 4, 11))
    assert again.status_code == 422
    assert "nach der letzten Ablesung am 11.04.2026" in again.json()["detail"]


def test_refused_readings_say_which_field_is_wrong(
    operator: TestClient, client: TestClient
) -> None:
    too_long = _submit(client, "WZ-1001", "100000", date(2026, 4, 11))
    assert too_long.status_code == 422
    assert "reading" in too_long.json()["errors"]
    unknown = _submit(client, "WZ-9999", "1", date(2026, 4, 11))
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == {"meter_number": "Unbekannte Zählernummer."}
    words = _submit(client, "WZ-1001", "viel", date(2026, 4, 11))
    assert words.json()["errors"]["reading"].startswith("Bitte geben Sie den Zählerstand")
    future = _submit(client, "WZ-1001", "1001", date.today() + timedelta(days=3))
    assert future.json()["errors"] == {"read_on": "Das Ablesedatum liegt in der Zukunft."}


def test_a_rollover_is_understood(operator: TestClient, client: TestClient) -> None:
    body = _submit(client, "WZ-1002", "15,000", date(2026, 4, 11)).json()
    assert body["status"] == "accepted"
    assert body["rollover"] is True
    assert body["consumption_m3"] == 25.0


def test_implausible_readings_wait_for_review_with_the_reason(
    operator: TestClient, client: TestClient
) -> None:
    photo = {"photo": ("zaehler.png", PNG)}
    flagged = _submit(client, "WZ-1001", "1400,000", date(2026, 4, 11), files=photo).json()
    assert flagged["status"] == "flagged"
    assert [f["code"] for f in flagged["flags"]] == ["rate", "per_person"]
    lower = _submit(client, "WZ-1003", "400", date(2026, 4, 11)).json()
    assert [f["code"] for f in lower["flags"]] == ["lower"]

    queue = operator.get(f"{BASE}/review").json()
    assert [r["meter_number"] for r in queue] == ["WZ-1001", "WZ-1003"]
    assert queue[0]["has_photo"] is True
    picture = operator.get(f"{BASE}/review/{queue[0]['id']}/photo")
    assert picture.content == PNG

    confirmed = operator.post(
        f"{BASE}/review/{queue[0]['id']}", json={"decision": "confirm", "note": "Rohrbruch"}
    )
    assert confirmed.json()["status"] == "confirmed"
    needs_consumption = operator.post(
        f"{BASE}/review/{queue[1]['id']}", json={"decision": "confirm"}
    )
    assert needs_consumption.status_code == 422
    rejected = operator.post(f"{BASE}/review/{queue[1]['id']}", json={"decision": "reject"})
    assert rejected.json()["status"] == "rejected"
    twice = operator.post(f"{BASE}/review/{queue[1]['id']}", json={"decision": "confirm"})
    assert twice.status_code == 409
    assert operator.get(f"{BASE}/review").json() == []
    assert client.get(f"{BASE}/readings/{flagged['tracking_code']}").json()["status"] == "confirmed"


def test_billing_export_and_meters_without_a_reading(
    operator: TestClient, client: TestClient, new_client: Callable[[], TestClient], world: World
) -> None:
    _submit(client, "WZ-1001", "1025,5", date(2026, 4, 11))
    _submit(client, "WZ-1002", "1400,000", date(2026, 4, 12))  # flagged (lower, no rollover fits)
    export = operator.get(f"{BASE}/export.csv?from=2026-04-01&to=2026-04-30")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text), delimiter=";"))
    assert [(r["meter_number"], r["reading_m3"], r["consumption_m3"]) for r in rows] == [
        ("WZ-1001", "1025,500", "25,500")
    ]
    missing = operator.get(f"{BASE}/missing?from=2026-04-01&to=2026-04-30").json()
    assert [m["meter_number"] for m in missing] == ["WZ-1002", "WZ-1003"]
    assert operator.get(f"{BASE}/missing?from=2026-05-01&to=2026-04-01").status_code == 422
    # The billing system uses an API key with its own scope.
    billing = new_client()
    key = world.api_key(world.dresden, "watermeter:export")
    billing.headers["Authorization"] = f"Bearer {key}"
    assert billing.get(f"{BASE}/export.csv?from=2026-04-01&to=2026-04-30").status_code == 200
    assert billing.get(f"{BASE}/review").status_code == 403


def test_a_registry_with_errors_changes_nothing(operator: TestClient) -> None:
    broken = (
        "meter_number;address;digits;last_reading;last_reading_date\n"
        "WZ-2001;Weg 1;5;10,0;01.02.2026\n"
        "WZ-2002;Weg 2;12;10,0;01.02.2026\n"
        "WZ-2003;Weg 3;5;zehn;01.02.2026\n"
        "WZ-2001;Weg 1;5;10,0;2026-13-01\n"
    )
    answer = operator.post(
        f"{BASE}/meters/import", content=broken, headers={"Content-Type": "text/csv"}
    )
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"line 3", "line 4", "line 5"}
    assert len(operator.get(f"{BASE}/meters").json()) == 3
    no_header = operator.post(f"{BASE}/meters/import", content="a;b\n1;2\n")
    assert "lacks the columns" in no_header.json()["detail"]
    update = operator.post(
        f"{BASE}/meters/import",
        content="meter_number,address,digits,last_reading,last_reading_date,persons\n"
        'WZ-1001,Altmarkt 1a,5,"1000,000",01.01.2026,4\n',
    )
    assert update.json() == {"created": 0, "updated": 1}


def test_meters_and_readings_stay_in_their_municipality(
    operator: TestClient, client: TestClient, new_client: Callable[[], TestClient]
) -> None:
    code = _submit(client, "WZ-1001", "1025", date(2026, 4, 11)).json()["tracking_code"]
    assert client.get(f"/radebeul/api/v1/watermeter/readings/{code}").status_code == 404
    assert (
        client.post(
            "/radebeul/api/v1/watermeter/readings",
            data={"meter_number": "WZ-1001", "reading": "1030", "read_on": "2026-04-20"},
        ).status_code
        == 404
    )
    neighbour = staff(new_client, "rb.admin")
    assert neighbour.get("/radebeul/api/v1/watermeter/meters").json() == []
    clerk = staff(new_client, "dd.clerk.a")
    assert clerk.get(f"{BASE}/review").status_code == 403
    assert client.get(f"{BASE}/meters").status_code == 401


def test_an_empty_e_mail_field_of_a_plain_html_form_means_none(
    operator: TestClient, client: TestClient
) -> None:
    # A browser sends every field of a form, empty ones as "".
    answer = _submit(client, "WZ-1001", "1025", date(2026, 4, 11), email="")
    assert answer.status_code == 201, answer.text
    wrong = _submit(client, "WZ-1002", "99995", date(2026, 4, 11), email="erika.example.org")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {"email": "Bitte geben Sie eine gültige E-Mail-Adresse an."}


def test_a_meter_photo_keeps_nothing_of_where_it_was_taken(
    operator: TestClient, client: TestClient
) -> None:
    photo = {"photo": ("IMG_0001.JPG", gps_jpeg(), "image/jpeg")}
    flagged = _submit(client, "WZ-1001", "1400,000", date(2026, 4, 11), files=photo)
    assert flagged.status_code == 201, flagged.text
    queue = operator.get(f"{BASE}/review").json()
    picture = operator.get(f"{BASE}/review/{queue[0]['id']}/photo")
    assert picture.status_code == 200
    assert without_metadata(picture.content)  # no GPS position, camera or description


def test_an_unreadable_meter_photo_is_named_and_nothing_is_kept(
    operator: TestClient, client: TestClient, world: World
) -> None:
    photo = {"photo": ("zaehler.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "image/jpeg")}
    refused = _submit(client, "WZ-1001", "1025,000", date(2026, 4, 11), files=photo)
    assert refused.status_code == 422
    assert "Bild kann nicht gelesen werden" in refused.json()["errors"]["photo"]
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(MeterReading)) == 0
        assert db.scalar(select(func.count()).select_from(StoredFile)) == 0
