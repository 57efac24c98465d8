"""DATEX II v3 ParkingStatusPublication: well-formed, in the v3 namespaces, one status per
car park with the numbers the API shows."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from tests.parking.conftest import API, Publish, car_park, with_counter

PRK = "{http://datex2.eu/schema/3/parking}"
COM = "{http://datex2.eu/schema/3/common}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

pytestmark = pytest.mark.usefixtures("dresden_parks")


def test_status_publication(client: TestClient, operator: TestClient, publish: Publish) -> None:
    publish(with_counter(operator, "dresdenaltmarkt")["datastream_id"], 40)
    publish(with_counter(operator, "dresdenhausamzwinger")["datastream_id"], 0)
    karstadt = car_park(client, "dresdenkarstadt")
    operator.patch(f"{API}/car-parks/{karstadt['id']}", json={"closed": True})

    response = client.get(f"{API}/datex2")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://datex2.eu/schema/3/d2Payload}payload"
    assert root.get(XSI_TYPE) == "prk:ParkingStatusPublication"
    assert root.get("modelBaseVersion") == "3"
    assert root.find(f"{COM}publicationTime") is not None
    statuses = {
        _child(s, "parkingRecordReference").get("id"): s
        for s in root.findall(f"{PRK}parkingRecordStatus")
    }
    assert len(statuses) == 57
    altmarkt = statuses["dresdenaltmarkt"]
    assert altmarkt.get(XSI_TYPE) == "prk:ParkingSiteStatus"
    occupancy = _child(altmarkt, "parkingOccupancy")
    assert occupancy.findtext(f"{PRK}parkingNumberOfVacantSpaces") == "40"
    assert occupancy.findtext(f"{PRK}parkingNumberOfOccupiedSpaces") == "360"
    assert occupancy.findtext(f"{PRK}parkingOccupancy") == "90.0"
    assert altmarkt.findtext(f"{PRK}parkingSiteStatus") == "almostFull"
    assert statuses["dresdenhausamzwinger"].findtext(f"{PRK}parkingSiteStatus") == "full"
    assert statuses["dresdenkarstadt"].findtext(f"{PRK}parkingSiteStatus") == "closed"
    assert statuses["dresdenprohlis"].findtext(f"{PRK}parkingSiteStatus") == "unknown"
    assert statuses["dresdenprohlis"].find(f"{PRK}parkingOccupancy") is None


def _child(element: Element, name: str) -> Element:
    found = element.find(f"{PRK}{name}")
    assert found is not None, name
    return found
