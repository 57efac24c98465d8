"""The read side of services: discovery, the service list and definitions, in JSON and in
XML with GeoReport v2's element names."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from tests.open311.conftest import BASE

pytestmark = pytest.mark.usefixtures("categories")


def test_service_list_json_and_xml(client: TestClient) -> None:
    services = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"]: s for s in services}
    assert set(codes) == {"strassenschaden", "muell", "beleuchtung", "spielplatz"}
    assert codes["muell"] == {
        "service_code": "muell",
        "service_name": "Illegale Müllablagerung",
        "description": "Abgestellter Sperrmüll, wilde Müllkippe",
        "metadata": True,
        "type": "realtime",
        "keywords": ["Sperrmüll", "Abfall"],
        "group": "Sauberkeit",
    }
    xml = client.get(f"{BASE}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "services"
    muell = next(s for s in root.findall("service") if s.findtext("service_code") == "muell")
    assert muell.findtext("metadata") == "true"
    assert muell.findtext("keywords") == "Sperrmüll,Abfall"


def test_service_definition(client: TestClient) -> None:
    definition = client.get(f"{BASE}/services/muell.json").json()
    assert definition["service_code"] == "muell"
    attribute = definition["attributes"][0]
    assert attribute["code"] == "art"
    assert attribute["datatype"] == "multivaluelist"
    assert attribute["values"][0] == {"key": "sperrmuell", "name": "Sperrmüll"}
    root = ElementTree.fromstring(client.get(f"{BASE}/services/muell.xml").content)
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value")
    assert [v.findtext("key") for v in values] == ["sperrmuell", "elektro", "sonder"]


def test_discovery(client: TestClient) -> None:
    found = client.get(f"{BASE}/discovery.json").json()
    endpoint = found["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/dresden/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = ElementTree.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_errors_in_open311_shape(client: TestClient) -> None:
    missing = client.get(f"{BASE}/services/gibtsnicht.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "There is no service 'gibtsnicht'."}]
    as_xml = client.get(f"{BASE}/services/gibtsnicht.xml")
    root = ElementTree.fromstring(as_xml.content)
    assert (root.tag, root.findtext("error/code")) == ("errors", "404")
    assert client.get(f"{BASE}/services.csv").status_code == 400


def test_categories_are_per_municipality(client: TestClient) -> None:
    assert client.get("/radebeul/open311/v2/services.json").json() == []


def test_only_admins_set_up_categories(client: TestClient, world: object) -> None:
    from tests.conftest import login

    login(client, "dd.clerk.a")
    body = {"service_code": "x", "name": "X", "department": "Y"}
    assert client.put("/dresden/api/v1/open311/categories", json=body).status_code == 403


def test_a_bad_attribute_definition_is_refused(admin: TestClient) -> None:
    body = {
        "service_code": "laerm",
        "name": "Lärm",
        "department": "Ordnungsamt",
        "attributes": [{"code": "art", "datatype": "singlevaluelist", "values": []}],
    }
    response = admin.put("/dresden/api/v1/open311/categories", json=body)
    assert response.status_code == 422
    assert "values" in response.json()["detail"]
