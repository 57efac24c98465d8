"""The Observations of a published Datastream for a chosen time range as CSV: only public
Datastreams of a municipality that publishes its sensor data, the range bounded in days and
rows with a clear answer, the rows in time order across the chunks they are read in, and
the portal's form that leads there."""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smartcity.opendata import datastreams, services
from tests.conftest import World
from tests.opendata.conftest import submit
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING

CSV_PATH = "/dresden/dcat/datastreams/{id}/observations.csv"


def _thing(app: FastAPI, world: World, restricted: bool = False) -> int:
    """A bench with a temperature Datastream and three Observations on 2026-11-26 at 08:00,
    09:00 and 10:00 UTC (3.5, 4.25, 6); the id of its Datastream."""
    device = TestClient(app)
    device.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    thing = copy.deepcopy(THING_WITH_EVERYTHING)
    if restricted:
        thing["name"] = "Wasserzähler"
        thing["properties"] = {"access": "restricted"}
    created = device.post(f"{STA}/Things", json=thing)
    assert created.status_code == 201, created.text
    streams = device.get(f"{STA}/Things({created.json()['@iot.id']})/Datastreams").json()
    stream_id: int = streams["value"][0]["@iot.id"]
    return stream_id


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_a_time_range_of_a_public_datastream_as_csv(
    app: FastAPI, client: TestClient, demo_catalogue: World
) -> None:
    stream = _thing(app, demo_catalogue)
    response = client.get(
        CSV_PATH.format(id=stream),
        params={"from": "2026-11-26T08:30:00Z", "to": "2026-11-27"},
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = _rows(response)
    assert rows[0] == list(datastreams.COLUMNS)
    assert [(r[0], r[3]) for r in rows[1:]] == [
        ("2026-11-26T09:00:00Z", "4.25"),
        ("2026-11-26T10:00:00Z", "6"),
    ]
    # A date without a time is midnight in the municipality's zone (Berlin: 23:00 UTC before).
    whole_day = _rows(
        client.get(CSV_PATH.format(id=stream), params={"from": "2026-11-26", "to": "2026-11-27"})
    )
    assert len(whole_day) == 4


def test_the_rows_come_in_time_order_across_chunks(
    app: FastAPI, client: TestClient, demo_catalogue: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _thing(app, demo_catalogue)
    monkeypatch.setattr(datastreams, "CHUNK", 2)
    rows = _rows(
        client.get(CSV_PATH.format(id=stream), params={"from": "2026-11-20", "to": "2026-11-30"})
    )
    assert [r[0][11:16] for r in rows[1:]] == ["08:00", "09:00", "10:00"]


def test_the_range_is_bounded(
    app: FastAPI, client: TestClient, demo_catalogue: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _thing(app, demo_catalogue)
    path = CSV_PATH.format(id=stream)
    too_long = client.get(path, params={"from": "2026-10-01", "to": "2026-11-27"})
    assert too_long.status_code == 422
    backwards = client.get(path, params={"from": "2026-11-27", "to": "2026-11-26"})
    assert backwards.status_code == 422
    garbage = client.get(path, params={"from": "gestern", "to": "2026-11-26"})
    assert garbage.status_code == 422
    monkeypatch.setattr(datastreams, "MAX_ROWS", 2)
    too_many = client.get(path, params={"from": "2026-11-26", "to": "2026-11-27"})
    assert too_many.status_code == 422


def test_only_public_datastreams_of_a_published_dataset(
    app: FastAPI, client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    public = _thing(app, demo_catalogue)
    secret = _thing(app, demo_catalogue, restricted=True)
    window = {"from": "2026-11-26", "to": "2026-11-27"}
    assert client.get(CSV_PATH.format(id=secret), params=window).status_code == 404
    assert client.get(CSV_PATH.format(id=10**6), params=window).status_code == 404
    assert client.get(CSV_PATH.format(id=public), params=window).status_code == 200
    # Radebeul does not see Dresden's Datastream.
    radebeul = f"/radebeul/dcat/datastreams/{public}/observations.csv"
    assert client.get(radebeul, params=window).status_code == 404
    submit(
        steward,
        "/dresden/verwaltung/offene-daten/freigabe",
        {"source": datastreams.SOURCE, "action": "off"},
    )
    assert client.get(CSV_PATH.format(id=public), params=window).status_code == 404


def test_the_portal_form_leads_to_the_download(
    app: FastAPI, client: TestClient, demo_catalogue: World
) -> None:
    stream = _thing(app, demo_catalogue)
    secret = _thing(app, demo_catalogue, restricted=True)
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        dataset_uuid = services.released(db)[datastreams.SOURCE].uuid
    page = client.get(f"/dresden/offene-daten/{dataset_uuid}")
    assert page.status_code == 200
    assert f'<option value="{stream}">Lufttemperatur (°C)</option>' in page.text
    assert f'value="{secret}"' not in page.text
    form = f"/dresden/offene-daten/{dataset_uuid}/zeitraum"
    chosen = {"datastream": stream, "from": "2026-11-26", "to": "2026-11-27"}
    answer = client.get(form, params=chosen, follow_redirects=False)
    assert answer.status_code == 303
    assert len(_rows(client.get(answer.headers["location"]))) == 4
    wrong = client.get(form, params={**chosen, "from": "2026-10-01"})
    assert wrong.status_code == 422
    assert "Höchstens 31 Tage auf einmal." in wrong.text
