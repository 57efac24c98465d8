"""Live occupancy as city data: each facility is a SensorThings Thing, each zone a
Datastream "Belegung <zone>", and every entry and exit writes the zone's count as an
Observation — readable through the SensorThings API, heard by MQTT subscribers, each
municipality's in its own tenant; the demo's zones have theirs, and facilities made before
(or counts changed by a slot's end) are brought up to date by the periodic job."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.app import create_app
from smartcity.core.demo import DemoContext
from smartcity.core.settings import Settings
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import demo, facilities, holds, occupancy_streams, scans
from smartcity.leisure.models import Facility, Slot, Zone
from smartcity.leisure.occupancy import occupancy
from smartcity.sensorthings.models import Observation, Rollup
from smartcity.sensorthings.writing import Writer
from tests.conftest import World, free_port
from tests.leisure.conftest import Pool, book, make_pool, ticket_tokens
from tests.sensorthings.mqtt.device import Device

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"


def _things(client: TestClient, slug: str) -> list[dict[str, Any]]:
    """The leisure facilities' Things of a municipality with their Datastreams, as anyone
    reads them (no login)."""
    response = client.get(
        f"/{slug}/sta/v1.1/Things",
        params={"$filter": "properties/kind eq 'leisure-facility'", "$expand": "Datastreams"},
    )
    assert response.status_code == 200, response.text
    things: list[dict[str, Any]] = response.json()["value"]
    return things


def _stream_id(client: TestClient, slug: str, facility: str, zone: str) -> int:
    [thing] = [t for t in _things(client, slug) if t["name"] == facility]
    [stream] = [s for s in thing["Datastreams"] if s["name"] == f"Belegung {zone}"]
    ident: int = stream["@iot.id"]
    return ident


def _results(client: TestClient, slug: str, stream_id: int) -> list[Any]:
    response = client.get(
        f"/{slug}/sta/v1.1/Datastreams({stream_id})/Observations",
        params={"$orderby": "phenomenonTime asc"},
    )
    assert response.status_code == 200, response.text
    return [o["result"] for o in response.json()["value"]]


def _scan(world: World, municipality: Municipality, code: str, **options: Any) -> str:
    with world.tenant(municipality) as db:
        return scans.scan(db, municipality, code, actor="test", **options).result


def test_entry_and_exit_are_observations_of_the_zones_datastream(
    world: World, client: TestClient, pool: Pool
) -> None:
    [thing] = _things(client, "dresden")
    assert thing["name"] == "Hallenbad Mitte"
    assert thing["properties"]["leisure_facility"] == pool.facility_id
    streams = {s["name"]: s for s in thing["Datastreams"]}
    assert set(streams) == {"Belegung Schwimmhalle", "Belegung Sauna"}
    hall = streams["Belegung Schwimmhalle"]
    assert hall["observationType"] == COUNT
    assert hall["unitOfMeasurement"]["symbol"] == "Pers."
    assert hall["properties"] == {"leisure_zone": pool.hall, "capacity": 300}

    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    assert _scan(world, world.dresden, token) == scans.OK
    assert _results(client, "dresden", hall["@iot.id"]) == [1]
    # Refused scans change nobody's count and write nothing.
    assert _scan(world, world.dresden, token) == scans.USED
    assert _scan(world, world.dresden, code, direction=scans.EXIT) == scans.EXITED
    assert _scan(world, world.dresden, code, direction=scans.EXIT) == scans.NOT_INSIDE
    assert _results(client, "dresden", hall["@iot.id"]) == [1, 0]
    assert _results(client, "dresden", streams["Belegung Sauna"]["@iot.id"]) == []

    family = book(world, world.platform, pool.now_slot, {pool.products["family"]: 1})
    [(_, token)] = ticket_tokens(world, family)
    assert _scan(world, world.dresden, token) == scans.OK
    assert _results(client, "dresden", hall["@iot.id"]) == [1, 0, 4]
    # A Datastream's Observations carry a count, nothing of the visitor.
    newest = client.get(
        f"/dresden/sta/v1.1/Datastreams({hall['@iot.id']})/Observations",
        params={"$orderby": "phenomenonTime desc", "$top": "1", "$expand": "FeatureOfInterest"},
    ).json()["value"][0]
    assert newest["result"] == 4
    assert set(newest) >= {"phenomenonTime", "resultTime", "FeatureOfInterest"}
    assert token not in str(newest)


def test_each_count_is_an_observation_of_the_zones_feature_with_its_rollups(
    world: World, client: TestClient, pool: Pool
) -> None:
    """The first scan's count finds the zone's FeatureOfInterest (the SensorThings writer);
    the next ones are written the way devices' bulk Observations are, on that feature and
    with their hourly and daily rollups, in the scan's transaction."""
    hall = _stream_id(client, "dresden", "Hallenbad Mitte", "Schwimmhalle")
    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 2})
    [(_, first), (_, second)] = ticket_tokens(world, order)
    assert _scan(world, world.dresden, first) == scans.OK
    assert _scan(world, world.dresden, second) == scans.OK
    assert _results(client, "dresden", hall) == [1, 2]
    with world.tenant(world.dresden) as db:
        zone = db.get(Zone, pool.hall)
        assert zone is not None
        feature = zone.feature_id
        features = set(
            db.scalars(
                select(Observation.feature_of_interest_id).where(Observation.datastream_id == hall)
            )
        )
        rollups = db.execute(
            select(Rollup.granularity, Rollup.count, Rollup.total, Rollup.maximum).where(
                Rollup.datastream_id == hall
            )
        ).all()
    assert feature is not None
    assert features == {feature}
    for granularity in ("hour", "day"):
        buckets = [r for r in rollups if r.granularity == granularity]
        assert sum(r.count for r in buckets) == 2, granularity
        assert sum(r.total for r in buckets) == 3, granularity
        assert max(r.maximum for r in buckets) == 2, granularity


def test_a_new_zone_gets_its_datastream_on_the_facilitys_thing(
    world: World, client: TestClient, pool: Pool
) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        facilities.add_zone(db, facility, "Kinderbecken", 25, "test")
    [thing] = _things(client, "dresden")
    names = sorted(s["name"] for s in thing["Datastreams"])
    assert names == ["Belegung Kinderbecken", "Belegung Sauna", "Belegung Schwimmhalle"]


def test_each_municipality_has_its_own_thing_and_data(
    world: World, client: TestClient, pool: Pool
) -> None:
    radebeul = make_pool(world, world.radebeul)
    [dresden_thing] = _things(client, "dresden")
    [radebeul_thing] = _things(client, "radebeul")
    assert dresden_thing["@iot.id"] != radebeul_thing["@iot.id"]
    assert radebeul_thing["properties"]["leisure_facility"] == radebeul.facility_id
    theirs = _stream_id(client, "radebeul", "Hallenbad Mitte", "Schwimmhalle")
    ours = _stream_id(client, "dresden", "Hallenbad Mitte", "Schwimmhalle")

    order = book(
        world,
        world.platform,
        radebeul.now_slot,
        {radebeul.products["adult"]: 1},
        municipality=world.radebeul,
    )
    [(_, token)] = ticket_tokens(world, order, world.radebeul)
    assert _scan(world, world.radebeul, token) == scans.OK
    assert _results(client, "radebeul", theirs) == [1]
    assert _results(client, "dresden", ours) == []
    # Radebeul's Datastream is not reachable below Dresden, nor Dresden's below Radebeul.
    assert client.get(f"/dresden/sta/v1.1/Datastreams({theirs})/Observations").status_code == 404
    assert client.get(f"/radebeul/sta/v1.1/Datastreams({ours})").status_code == 404
    # A Radebeul ticket scanned at a Dresden gate is unknown there and writes nothing.
    assert _scan(world, world.dresden, token) == scans.UNKNOWN
    assert _results(client, "dresden", ours) == []


def test_the_job_provisions_older_facilities_and_counts_ended_slots(
    world: World, client: TestClient, pool: Pool
) -> None:
    # A facility made before its zones had Datastreams: its Thing is gone.
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        thing = occupancy_streams.thing_of(db, facility)
        assert thing is not None
        Writer(db).delete(thing)
    assert _things(client, "dresden") == []
    order = book(world, world.platform, pool.now_slot, {pool.products["family"]: 1})
    [(_, token)] = ticket_tokens(world, order)
    # A scan never provisions (it stays one count and one insert): the gate lets the family
    # in, and the job makes the Thing and Datastreams and writes the counts within a minute.
    assert _scan(world, world.dresden, token) == scans.OK
    assert _things(client, "dresden") == []
    with world.tenant(world.dresden) as db:
        unprovisioned = db.get(Facility, pool.facility_id)
        assert unprovisioned is not None
        assert unprovisioned.thing_id is None
    holds.release_everywhere(world.platform)
    holds.release_everywhere(world.platform)
    hall = _stream_id(client, "dresden", "Hallenbad Mitte", "Schwimmhalle")
    sauna = _stream_id(client, "dresden", "Hallenbad Mitte", "Sauna")
    # The zones that had no Observation get one, and nothing is written twice.
    assert _results(client, "dresden", hall) == [4]
    assert _results(client, "dresden", sauna) == [0]
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        assert facility.thing_id is not None
        zones = {z.name: z.datastream_id for z in db.scalars(select(Zone))}
        assert zones == {"Schwimmhalle": hall, "Sauna": sauna}
    # The next scan writes its count straight away.
    assert _scan(world, world.dresden, token, direction=scans.EXIT) == scans.EXITED
    assert _results(client, "dresden", hall) == [4, 0]
    assert _scan(world, world.dresden, token) == scans.USED

    # Someone who never scans out stops counting when their slot ends, and the job says so.
    other = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, other)
    assert _scan(world, world.dresden, token) == scans.OK
    assert _results(client, "dresden", hall) == [4, 0, 1]
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.now_slot)
        assert slot is not None
        after = slot.ends_at + timedelta(minutes=1)
        assert occupancy_streams.sync(db, world.dresden, after) == 1
    assert _results(client, "dresden", hall) == [4, 0, 1, 0]


def test_the_demos_zones_have_datastreams_with_the_occupancy(
    world: World, client: TestClient
) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _text: None))
    things = {t["name"]: t for t in _things(client, "dresden")}
    assert set(things) == {"Hallenbad Freiberger Platz", "Stadtmuseum Dresden"}
    assert {s["name"] for s in things["Hallenbad Freiberger Platz"]["Datastreams"]} == {
        "Belegung Schwimmhalle",
        "Belegung Sauna",
    }
    assert [s["name"] for s in things["Stadtmuseum Dresden"]["Datastreams"]] == [
        "Belegung Ausstellung"
    ]
    hall = _stream_id(client, "dresden", "Hallenbad Freiberger Platz", "Schwimmhalle")
    with world.tenant(world.dresden) as db:
        pool = db.scalar(select(Facility).where(Facility.slug == "hallenbad"))
        assert pool is not None
        inside = {o.zone: o.inside for o in occupancy(db, pool)}
    results = _results(client, "dresden", hall)
    # The demo's visitors came in one after another; the newest count is who is inside now.
    assert inside["Schwimmhalle"] > 0
    assert results[-1] == inside["Schwimmhalle"]
    sauna = _stream_id(client, "dresden", "Hallenbad Freiberger Platz", "Sauna")
    assert _results(client, "dresden", sauna) == [0]
    museum = _stream_id(client, "dresden", "Stadtmuseum Dresden", "Ausstellung")
    assert _results(client, "dresden", museum) == [0]


@pytest.fixture
def broker_app(settings: Settings, world: World) -> Iterator[TestClient]:
    settings.mqtt_port = free_port()
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'tickets:scan')}"
        yield client


def test_mqtt_subscribers_hear_the_new_count(
    broker_app: TestClient, settings: Settings, world: World, pool: Pool
) -> None:
    hall = _stream_id(broker_app, "dresden", "Hallenbad Mitte", "Schwimmhalle")
    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    subscriber = Device(settings.mqtt_port, world.api_key(world.dresden, "sta:read"))
    try:
        topic = f"v1.1/Datastreams({hall})/Observations"
        assert subscriber.subscribe(topic)
        answer = broker_app.post(
            "/dresden/api/v1/leisure/scans", json={"code": token, "direction": "entry"}
        )
        assert answer.json()["result"] == "ok"
        heard = subscriber.next_message(topic)
        assert heard["result"] == 1
        link = f"/dresden/sta/v1.1/Observations({heard['@iot.id']})"
        assert heard["@iot.selfLink"].endswith(link)
        broker_app.post("/dresden/api/v1/leisure/scans", json={"code": code, "direction": "exit"})
        assert subscriber.next_message(topic)["result"] == 0
    finally:
        subscriber.close()


def test_concurrent_gates_publish_every_count_in_order(
    world: World, client: TestClient, pool: Pool
) -> None:
    """Real concurrent scans (one transaction per gate, against SQLite and PostgreSQL) of one
    zone, entries and exits at once: the Observations, in time order, go up and down by
    exactly one scan each — no count was published out of order — and the newest is who is
    inside."""
    hall = _stream_id(client, "dresden", "Hallenbad Mitte", "Schwimmhalle")
    adults = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 9})
    families = book(world, world.platform, pool.now_slot, {pool.products["family"]: 3})
    leaving = [token for _code, token in ticket_tokens(world, adults)[:3]]
    for token in leaving:
        assert _scan(world, world.dresden, token) == scans.OK
    before = _results(client, "dresden", hall)
    assert before == [1, 2, 3]
    work = [(token, scans.EXIT, -1) for token in leaving]
    work += [(token, scans.ENTRY, 1) for _c, token in ticket_tokens(world, adults)[3:]]
    work += [(token, scans.ENTRY, 4) for _c, token in ticket_tokens(world, families)]
    start = threading.Barrier(len(work))
    answers: list[str] = []
    lock = threading.Lock()

    def gate(token: str, direction: str) -> None:
        start.wait()
        result = _scan(world, world.dresden, token, direction=direction)
        with lock:
            answers.append(result)

    threads = [threading.Thread(target=gate, args=(t, d)) for t, d, _ in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == sorted([scans.EXITED] * 3 + [scans.OK] * 9)
    results = _results(client, "dresden", hall)[len(before) :]
    steps = [b - a for a, b in zip([before[-1], *results], results, strict=False)]
    assert sorted(steps) == sorted(delta for _t, _d, delta in work)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        inside = {o.zone: o.inside for o in occupancy(db, facility)}
    assert results[-1] == inside["Schwimmhalle"] == 6 + 12
