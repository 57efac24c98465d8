"""OCPI 2.2.1 for roaming partners: discovery, token auth, the envelope, the paginated
Locations list with its headers and `last_updated` filters, single objects, the Tariffs
module, errors in OCPI's shape — and every object checked against the spec's definitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from smartcity.charging import services
from smartcity.charging.models import ChargingLocation, Connector, Evse, Operator, Tariff
from smartcity.charging.schemas import ConnectorIn, EvseIn, LocationIn
from smartcity.core.db import utcnow
from tests.charging import ocpi_schemas as schema
from tests.charging.conftest import AC, Chargers, Report, authorization
from tests.conftest import World

BASE = "/dresden/ocpi/2.2.1"


def ok(response: Any) -> Any:
    """The data of a successful OCPI answer, after checking the envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    jsonschema.validate(body, schema.RESPONSE)
    assert body["status_code"] == 1000
    return body["data"]


def refused(response: Any, http_status: int, status_code: int) -> str:
    assert response.status_code == http_status, response.text
    body = response.json()
    jsonschema.validate(body, schema.RESPONSE)
    assert body["status_code"] == status_code
    assert "data" not in body
    message: str = body["status_message"]
    return message


def all_locations(partner: TestClient, **params: str) -> list[dict[str, Any]]:
    """Every page, following the `Link` headers."""
    found: list[dict[str, Any]] = []
    response = partner.get(f"{BASE}/locations", params=params)
    while True:
        found += ok(response)
        link = response.headers.get("Link")
        if not link:
            return found
        url = link.split(";")[0].strip("<>").split("/", 3)[3]
        assert 'rel="next"' in link
        response = partner.get("/" + url)


@pytest.mark.usefixtures("chargers")
def test_discovery_lists_the_version_and_its_endpoints(partner: TestClient, world: World) -> None:
    public = world.platform.settings.effective_public_url
    versions = ok(partner.get("/dresden/ocpi/versions"))
    assert len(versions) == 1
    jsonschema.validate(versions[0], schema.VERSION)
    assert versions[0] == {"version": "2.2.1", "url": f"{public}{BASE}"}
    details = ok(partner.get(BASE))
    jsonschema.validate(details, schema.VERSION_DETAILS)
    assert {(e["identifier"], e["role"], e["url"]) for e in details["endpoints"]} == {
        ("locations", "SENDER", f"{public}{BASE}/locations"),
        ("tariffs", "SENDER", f"{public}{BASE}/tariffs"),
    }


@pytest.mark.usefixtures("chargers")
def test_only_a_valid_token_of_this_municipality_opens_ocpi(
    app: Any, world: World, token: str
) -> None:
    anonymous = TestClient(app, base_url="https://testserver")
    message = refused(anonymous.get("/dresden/ocpi/versions"), 401, 2000)
    assert "Authorization: Token" in message
    assert anonymous.get("/dresden/ocpi/versions").headers["WWW-Authenticate"] == "Token"
    wrong = anonymous.get(f"{BASE}/locations", headers=authorization("not-the-token"))
    refused(wrong, 401, 2000)
    # The same token in Radebeul opens nothing there.
    refused(anonymous.get("/radebeul/ocpi/versions", headers=authorization(token)), 401, 2000)
    # Partners still sending the token plainly (as OCPI 2.1.1 did) are understood.
    plain = anonymous.get("/dresden/ocpi/versions", headers={"Authorization": f"Token {token}"})
    ok(plain)
    refused(anonymous.get("/nirgendwo/ocpi/versions", headers=authorization(token)), 404, 2000)


def test_a_revoked_token_is_refused(
    utility: TestClient, partner: TestClient, chargers: Chargers
) -> None:
    ok(partner.get(f"{BASE}/locations"))
    listed = utility.get("/dresden/api/v1/charging/partners").json()
    assert [p["name"] for p in listed] == ["Roaming-Plattform"]
    assert listed[0]["last_used_at"] is not None
    assert "token" not in listed[0]
    revoked = utility.post(f"/dresden/api/v1/charging/partners/{listed[0]['id']}/revoke")
    assert revoked.status_code == 200
    refused(partner.get(f"{BASE}/locations"), 401, 2000)


@pytest.mark.usefixtures("chargers")
def test_every_location_evse_and_connector_is_valid_ocpi(partner: TestClient) -> None:
    locations = all_locations(partner)
    assert [loc["id"] for loc in locations] == ["DD-ALTMARKT", "DD-ALBERTPLATZ", "DD-HBF"]
    for location in locations:
        jsonschema.validate(location, schema.LOCATION)
        assert (location["country_code"], location["party_id"]) == ("DE", "SWD")
        for evse in location["evses"]:
            # No report yet: OCPI's "no status information available".
            assert evse["status"] == "UNKNOWN"
            one = ok(partner.get(f"{BASE}/locations/{location['id']}/{evse['uid']}"))
            jsonschema.validate(one, schema.EVSE)
            assert one == evse
            for connector in evse["connectors"]:
                single = ok(
                    partner.get(
                        f"{BASE}/locations/{location['id']}/{evse['uid']}/{connector['id']}"
                    )
                )
                jsonschema.validate(single, schema.CONNECTOR)
                assert single == connector
        assert ok(partner.get(f"{BASE}/locations/{location['id']}")) == location
    hbf = locations[2]
    assert hbf["energy_mix"] == {"is_green_energy": False, "supplier_name": "Stadtwerke Dresden"}
    assert locations[0]["energy_mix"]["is_green_energy"] is True
    dc = hbf["evses"][0]["connectors"][0]
    assert (dc["power_type"], dc["max_electric_power"], dc["tariff_ids"]) == (
        "DC",
        150_000,
        ["DC-ADHOC"],
    )


@pytest.mark.usefixtures("chargers")
def test_the_list_is_paginated_with_link_and_counts(partner: TestClient, world: World) -> None:
    public = world.platform.settings.effective_public_url
    first = partner.get(f"{BASE}/locations", params={"limit": "2"})
    assert [loc["id"] for loc in ok(first)] == ["DD-ALTMARKT", "DD-ALBERTPLATZ"]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Limit"] == "2"
    link = first.headers["Link"]
    assert link == (f'<{public}{BASE}/locations?offset=2&limit=2>; rel="next"')
    last = partner.get(f"{BASE}/locations", params={"limit": "2", "offset": "2"})
    assert [loc["id"] for loc in ok(last)] == ["DD-HBF"]
    assert "Link" not in last.headers
    # A larger page than the server gives is cut, and X-Limit says so.
    big = partner.get(f"{BASE}/locations", params={"limit": "5000"})
    assert big.headers["X-Limit"] == "100"
    assert len(all_locations(partner, limit="1")) == 3


def test_a_status_report_changes_status_and_last_updated(
    partner: TestClient, chargers: Chargers, report: Report
) -> None:
    _made_an_hour_ago(chargers)
    before = utcnow() - timedelta(seconds=1)
    untouched = {loc["id"]: loc["last_updated"] for loc in all_locations(partner)}
    assert all_locations(partner, date_from=_at(before + timedelta(minutes=5))) == []
    report("ALB-1", "CHARGING", utcnow())
    changed = all_locations(partner, date_from=_at(before))
    assert [loc["id"] for loc in changed] == ["DD-ALBERTPLATZ"]
    evse = changed[0]["evses"][0]
    assert evse["status"] == "CHARGING"
    assert evse["last_updated"] == changed[0]["last_updated"]
    assert changed[0]["last_updated"] > untouched["DD-ALBERTPLATZ"]
    # date_to excludes: the same moment as the change leaves it out.
    assert all_locations(partner, date_to=changed[0]["last_updated"]) != []
    assert "DD-ALBERTPLATZ" not in {
        loc["id"] for loc in all_locations(partner, date_to=changed[0]["last_updated"])
    }
    # An OCPP backend's words are understood; nonsense means "no information".
    report("ALT-1", "Faulted", utcnow())
    report("ALT-2", "somewhere in between", utcnow())
    evses = ok(partner.get(f"{BASE}/locations/DD-ALTMARKT"))["evses"]
    assert [e["status"] for e in evses] == ["OUTOFORDER", "UNKNOWN"]


def test_an_evse_out_of_service_stays_with_status_removed(
    utility: TestClient, partner: TestClient, chargers: Chargers
) -> None:
    evses = utility.get("/dresden/api/v1/charging/locations").json()[2]["evses"]
    assert [e["uid"] for e in evses] == ["HBF-1", "HBF-2"]
    with chargers.world.tenant(chargers.world.dresden) as db:
        from sqlalchemy import select

        from smartcity.charging.models import Evse

        evse_id = db.scalar(select(Evse.id).where(Evse.uid == "HBF-2"))
    assert utility.delete(f"/dresden/api/v1/charging/evses/{evse_id}").status_code == 204
    evse = ok(partner.get(f"{BASE}/locations/DD-HBF/HBF-2"))
    jsonschema.validate(evse, schema.EVSE)
    assert evse["status"] == "REMOVED"
    assert "evse_id" not in evse
    # The public list shows only what is in service.
    public = utility.get("/dresden/api/v1/charging/locations").json()[2]["evses"]
    assert [e["uid"] for e in public] == ["HBF-1"]


@pytest.mark.usefixtures("chargers")
def test_tariffs_are_valid_and_match_the_connectors(partner: TestClient) -> None:
    response = partner.get(f"{BASE}/tariffs")
    tariffs = ok(response)
    assert response.headers["X-Total-Count"] == "2"
    for tariff in tariffs:
        jsonschema.validate(tariff, schema.TARIFF)
        assert tariff["type"] == "AD_HOC_PAYMENT"
    by_id = {t["id"]: t for t in tariffs}
    dc = by_id["DC-ADHOC"]["elements"][0]["price_components"]
    assert dc == [
        {"type": "ENERGY", "price": 0.5462, "vat": 19.0, "step_size": 1},
        {"type": "FLAT", "price": 1.0, "vat": 19.0, "step_size": 1},
    ]
    referenced = {
        t
        for loc in all_locations(partner)
        for e in loc["evses"]
        for c in e["connectors"]
        for t in c.get("tariff_ids", [])
    }
    assert referenced == set(by_id)
    later = partner.get(f"{BASE}/tariffs", params={"date_from": _at(utcnow() + timedelta(1))})
    assert ok(later) == []


@pytest.mark.usefixtures("chargers")
def test_errors_come_in_ocpi_shape(partner: TestClient) -> None:
    assert "no location" in refused(partner.get(f"{BASE}/locations/NOPE"), 404, 2003)
    refused(partner.get(f"{BASE}/locations/DD-HBF/NOPE"), 404, 2003)
    refused(partner.get(f"{BASE}/locations/DD-HBF/HBF-1/9"), 404, 2003)
    refused(partner.get(f"{BASE}/locations/" + "X" * 80), 404, 2003)
    message = refused(
        partner.get(f"{BASE}/locations", params={"date_from": "yesterday"}), 400, 2001
    )
    assert "date_from" in message
    refused(partner.get(f"{BASE}/locations", params={"limit": "-1"}), 400, 2001)
    refused(partner.get(f"{BASE}/tariffs", params={"offset": "x"}), 400, 2001)


@pytest.mark.usefixtures("chargers")
def test_the_ids_of_a_hub_come_back_and_lower_case_ids_are_found(partner: TestClient) -> None:
    response = partner.get(
        f"{BASE}/locations/dd-hbf",
        headers={"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"},
    )
    assert ok(response)["id"] == "DD-HBF"
    assert (response.headers["X-Request-ID"], response.headers["X-Correlation-ID"]) == (
        "req-1",
        "corr-1",
    )


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _made_an_hour_ago(chargers: Chargers) -> None:
    """The charging points as if set up an hour ago (the fixture made them just now)."""
    earlier = utcnow() - timedelta(hours=1)
    with chargers.world.tenant(chargers.world.dresden) as db:
        for model in (ChargingLocation, Evse, Connector):
            db.execute(update(model).values(updated_at=earlier))


def _selects(world: World, call: Callable[[], Any]) -> int:
    """How many SELECTs `call` makes."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(world.platform.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(world.platform.engine, "before_cursor_execute", note)
    return len(seen)


def test_the_list_costs_the_same_queries_for_more_locations(
    partner: TestClient, chargers: Chargers, report: Report
) -> None:
    world = chargers.world
    report("ALT-1", "CHARGING", utcnow() - timedelta(minutes=1))
    ok(partner.get(f"{BASE}/locations"))  # the process's first copies (municipality, token)
    few = _selects(world, lambda: ok(partner.get(f"{BASE}/locations")))
    with world.tenant(world.dresden) as db:
        operator = db.scalars(select(Operator)).one()
        tariff = db.scalars(select(Tariff)).first()
        assert tariff is not None
        for n in range(6):
            location = services.create_location(
                db,
                LocationIn(
                    operator_id=operator.id,
                    ocpi_id=f"DD-EXTRA-{n}",
                    name=f"Extra {n}",
                    address=f"Extraweg {n}",
                    city="Dresden",
                    postal_code="01069",
                    lat=51.03,
                    lon=13.73 + n / 100,
                ),
                actor="test",
            )
            made = services.add_evse(
                db,
                location,
                EvseIn(
                    uid=f"EXTRA-{n}",
                    tariff_id=tariff.id,
                    connectors=[
                        ConnectorIn.model_validate(AC),
                        ConnectorIn.model_validate(AC | {"connector_id": "2"}),
                    ],
                ),
                actor="test",
            )
            assert made.datastream_id is not None
            chargers.datastreams[made.uid] = made.datastream_id
    report("EXTRA-3", "AVAILABLE", utcnow() - timedelta(minutes=1))
    many = _selects(world, lambda: ok(partner.get(f"{BASE}/locations")))
    assert len(ok(partner.get(f"{BASE}/locations"))) == 9
    assert many == few


def test_ids_differing_only_in_case_are_one_id(utility: TestClient, chargers: Chargers) -> None:
    """OCPI's ids are case-insensitive: a second "dd-hbf" would hide behind "DD-HBF"."""
    with chargers.world.tenant(chargers.world.dresden) as db:
        operator_id = db.scalar(select(Operator.id))
        location_id = db.scalar(select(ChargingLocation.id).limit(1))
    api = "/dresden/api/v1/charging"
    place = {
        "operator_id": operator_id,
        "ocpi_id": "dd-hbf",
        "name": "Bahnhof",
        "address": "Wiener Platz 5",
        "city": "Dresden",
        "postal_code": "01069",
        "lat": 51.04,
        "lon": 13.73,
    }
    assert utility.post(f"{api}/locations", json=place).status_code == 409
    tariff = {"operator_id": operator_id, "ocpi_id": "ac-adhoc", "energy_price": "0.5"}
    assert utility.post(f"{api}/tariffs", json=tariff).status_code == 409
    evse = {"uid": "alt-1", "connectors": [AC]}
    assert utility.post(f"{api}/locations/{location_id}/evses", json=evse).status_code == 409


def test_ids_no_row_can_have_are_refused(utility: TestClient, chargers: Chargers) -> None:
    with chargers.world.tenant(chargers.world.dresden) as db:
        location_id = db.scalar(select(ChargingLocation.id).limit(1))
    api = "/dresden/api/v1/charging"
    place = {
        "operator_id": 10**20,
        "ocpi_id": "DD-NEU",
        "name": "Neu",
        "address": "Neuweg 1",
        "city": "Dresden",
        "postal_code": "01069",
        "lat": 51.04,
        "lon": 13.73,
    }
    refused_place = utility.post(f"{api}/locations", json=place)
    assert refused_place.status_code == 422
    assert "operator_id" in refused_place.json()["errors"]
    evse = {"uid": "NEU-1", "tariff_id": 10**20, "connectors": [AC]}
    refused_evse = utility.post(f"{api}/locations/{location_id}/evses", json=evse)
    assert refused_evse.status_code == 422
    assert "tariff_id" in refused_evse.json()["errors"]
