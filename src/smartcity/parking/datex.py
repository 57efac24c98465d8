"""DATEX II version 3 ParkingStatusPublication of a municipality's car parks (XML).

Element names and namespaces follow the DATEX II v3 parking model as national access points
publish it (e.g. NDW's truck-parking status feed): one `ParkingSiteStatus` per car park,
referring to the car park by its ParkenDD-style id."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from smartcity.core.db import utcnow
from smartcity.parking.occupancy import Occupancy

D2 = "http://datex2.eu/schema/3/d2Payload"
COM = "http://datex2.eu/schema/3/common"
PRK = "http://datex2.eu/schema/3/parking"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {"d2": D2, "com": COM, "prk": PRK, "xsi": XSI}
# Share of spaces taken from which a car park counts as almost full.
ALMOST_FULL = 0.9

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: ET.Element, namespace: str, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{namespace}}}{tag}")
    if text is not None:
        element.text = text
    return element


def status_publication(occupancies: list[Occupancy], *, publisher: str) -> bytes:
    root = ET.Element(
        f"{{{D2}}}payload",
        {
            f"{{{XSI}}}type": "prk:ParkingStatusPublication",
            "lang": "de",
            "modelBaseVersion": "3",
        },
    )
    _sub(root, COM, "publicationTime", _time(utcnow()))
    creator = _sub(root, COM, "publicationCreator")
    _sub(creator, COM, "country", "de")
    _sub(creator, COM, "nationalIdentifier", publisher)
    for occupancy in occupancies:
        _record_status(root, occupancy)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def _record_status(root: ET.Element, occupancy: Occupancy) -> None:
    car_park = occupancy.car_park
    status = _sub(root, PRK, "parkingRecordStatus")
    status.set(f"{{{XSI}}}type", "prk:ParkingSiteStatus")
    reference = _sub(status, PRK, "parkingRecordReference")
    reference.set("targetClass", "prk:ParkingRecord")
    reference.set("id", car_park.external_id)
    reference.set("version", "1")
    _sub(status, PRK, "parkingStatusOriginTime", _time(occupancy.measured_at or utcnow()))
    total, free = occupancy.total, occupancy.free
    if free is not None:
        measured = _sub(status, PRK, "parkingOccupancy")
        _sub(measured, PRK, "parkingNumberOfVacantSpaces", str(free))
        if total:
            _sub(measured, PRK, "parkingNumberOfOccupiedSpaces", str(total - free))
            _sub(measured, PRK, "parkingOccupancy", f"{100 * (total - free) / total:.1f}")
    _sub(status, PRK, "parkingSiteStatus", site_status(occupancy))


def site_status(occupancy: Occupancy) -> str:
    if occupancy.state == "closed":
        return "closed"
    if occupancy.state != "open" or occupancy.free is None:
        return "unknown"
    if occupancy.free == 0:
        return "full"
    if occupancy.total and (occupancy.total - occupancy.free) / occupancy.total >= ALMOST_FULL:
        return "almostFull"
    return "spacesAvailable"
