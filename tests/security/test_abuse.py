"""Hostile input: deeply nested JSON, huge and deeply nested $filter expressions, SQL in query
parameters, path traversal in upload names. Each gets a client error (never a 5xx or a stack
trace) and changes nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.uploads.models import StoredFile
from tests.conftest import World
from tests.core.uploads.pictures import png as picture

DEEP_JSON = "[" * 100_000 + "]" * 100_000
INJECTIONS = [
    "1' OR '1'='1",
    "1; DROP TABLE audit_entry; --",
    "' UNION SELECT * FROM user_account --",
]


def _audit_entries(world: World) -> int:
    with world.system() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _clean(response: Any) -> None:
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/dresden/sta/v1.1/Things",
        "/dresden/sta/v1.1/CreateObservations",
        "/dresden/api/v1/parking/car-parks/import",
        "/dresden/api/v1/benches",
        "/dresden/api/v1/citizen/services/x/submissions",
    ],
)
def test_deeply_nested_json_is_refused(device: TestClient, operator: TestClient, path: str) -> None:
    for client in (device, operator):
        response = client.post(
            path, content=DEEP_JSON, headers={"content-type": "application/json"}
        )
        _clean(response)
        assert 400 <= response.status_code < 500


def test_huge_or_deeply_nested_filters_are_answered_quickly(
    client: TestClient, world: World
) -> None:
    nested = "(" * 4_900 + "result gt 1" + ")" * 4_900
    too_long = " or ".join(f"result eq {i}" for i in range(1_000))
    for expression in (nested, too_long, "not " * 2_000 + "result gt 1"):
        response = client.get("/dresden/sta/v1.1/Observations", params={"$filter": expression})
        _clean(response)
    assert (
        "longer than"
        in client.get("/dresden/sta/v1.1/Observations", params={"$filter": too_long}).text
    )


@pytest.mark.usefixtures("world")
def test_sql_in_query_parameters_is_only_text(client: TestClient, world: World) -> None:
    before = _audit_entries(world)
    for text in INJECTIONS:
        for path, params in (
            ("/dresden/open311/v2/requests.json", {"service_request_id": text}),
            ("/dresden/open311/v2/requests.json", {"service_code": text}),
            (
                "/dresden/sta/v1.1/Things",
                {"$filter": f"name eq '{text.replace(chr(39), chr(39) * 2)}'"},
            ),
            ("/dresden/api/v1/parking/free-spaces", {"lat": text, "lon": "13.7"}),
            ("/dresden/parkendd/", {"version": text}),
            (f"/dresden/api/v1/citizen/status/{text}", {}),
        ):
            response = client.get(path, params=params)
            _clean(response)
            if response.status_code == 200 and isinstance(response.json(), list):
                assert response.json() == []
    assert _audit_entries(world) == before


def test_path_traversal_in_an_upload_name_stays_a_name(
    client: TestClient, world: World, admin: TestClient
) -> None:
    from smartcity.open311.demo import CATEGORIES

    admin.put("/dresden/api/v1/open311/categories", json=CATEGORIES[3])
    key = world.api_key(world.dresden, "open311:write")
    png = picture()  # a real one: images are drawn again before they are stored
    filed = client.post(
        "/dresden/open311/v2/requests.json",
        data={"api_key": key, "service_code": "spielplatz", "address_string": "Zwingerteich"},
        files={"media": ("../../../../etc/passwd.png", png, "image/png")},
    )
    assert filed.status_code == 201, filed.text
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(StoredFile))
    assert stored is not None
    assert "/" not in stored.original_name
    assert ".." not in stored.original_name
    assert "/" not in stored.storage_name


@pytest.mark.parametrize("topic", ["v1.1/Datastreams(1)/Observations", "v1.1/CreateObservations"])
def test_a_deeply_nested_mqtt_message_is_a_bad_message(world: World, topic: str) -> None:
    from smartcity.sensorthings.ingest.targets import TargetCache
    from smartcity.sensorthings.mqtt import topics
    from smartcity.sensorthings.mqtt.messages import BadMessage, parse_message

    create = topics.create_topic(topic)
    assert create is not None
    with pytest.raises(BadMessage) as refused:
        parse_message(create, DEEP_JSON.encode(), TargetCache(world.platform.sessions, 0), None)
    assert refused.value.reason == "not_json"


def test_no_xml_is_parsed_except_through_defusedxml() -> None:
    # The platform only writes XML (Open311, DATEX II). An XML input added later must parse
    # with defusedxml (entity expansion, external entities); this keeps it from slipping in.
    parsing = re.compile(r"\b(ET|ElementTree|etree)\.(fromstring|parse|iterparse|XMLParser)\(")
    source = Path(__file__).resolve().parents[2] / "src" / "smartcity"
    offenders = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if parsing.search(path.read_text()) and "defusedxml" not in path.read_text()
    ]
    assert offenders == []
