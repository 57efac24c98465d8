"""Public read answers carry validators and caching headers: a client that sends back the
ETag it holds gets 304 without the body, and a write makes the next answer (and its ETag)
new at once, on the car parks, the citizen service catalogue and the portal's start page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from smartcity.core.http.caching import BoundedStore, Pages, ResponseCache, cacheable
from smartcity.parking.services import import_geojson
from tests.conftest import World

DRESDEN = Path(__file__).resolve().parents[3] / "src/smartcity/parking/demo_data/Dresden.geojson"
CAR_PARKS = "/dresden/api/v1/parking/car-parks"


def _import(world: World, features: int | None = None) -> None:
    document = json.loads(DRESDEN.read_text())
    if features is not None:
        document["features"] = document["features"][:features]
    with world.tenant(world.dresden) as db:
        import_geojson(db, document, city="Dresden", actor="test")


def test_a_matching_etag_gets_304_and_a_write_changes_it(client: TestClient, world: World) -> None:
    _import(world, features=5)
    first = client.get(CAR_PARKS)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=10"
    etag = first.headers["etag"]

    again = client.get(CAR_PARKS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # A weak form of the same tag and a list of tags match too (RFC 9110, 13.1.2).
    assert client.get(CAR_PARKS, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(CAR_PARKS, headers={"If-None-Match": '"other"'}).status_code == 200

    _import(world)  # more car parks: what the next reader must see at once
    changed = client.get(CAR_PARKS, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert len(changed.json()) == 57
    assert len(first.json()) < 57


def test_a_kept_answer_is_the_same_answer(client: TestClient, world: World) -> None:
    _import(world)
    first, second = client.get(CAR_PARKS), client.get(CAR_PARKS)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == first.headers["content-type"]
    # The platform's headers are on every answer, kept or not.
    assert second.headers["x-content-type-options"] == first.headers["x-content-type-options"]


def test_other_municipalities_and_private_routes_are_apart(
    client: TestClient, world: World
) -> None:
    _import(world)
    dresden = client.get(CAR_PARKS)
    radebeul = client.get("/radebeul/api/v1/parking/car-parks")
    assert len(dresden.json()) == 57
    assert radebeul.json() == []
    assert radebeul.headers["etag"] != dresden.headers["etag"]
    # A route that did not opt in gets neither validator nor caching header.
    audit = client.get("/dresden/api/v1/audit")
    assert "etag" not in audit.headers


def test_the_service_catalogue_and_start_page_are_cacheable(
    client: TestClient, world: World
) -> None:
    services = client.get("/dresden/api/v1/citizen/services")
    assert services.status_code == 200
    assert services.headers["cache-control"] == "public, max-age=60"
    tag = services.headers["etag"]
    again = client.get("/dresden/api/v1/citizen/services", headers={"If-None-Match": tag})
    assert again.status_code == 304

    page = client.get("/dresden/", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    # The start page depends on who asks: public for anonymous visitors, kept apart by Cookie.
    assert page.headers["cache-control"] in ("public, max-age=30", "private, no-cache")
    assert "Cookie" in page.headers["vary"]
    revisit = client.get("/dresden/", headers={"If-None-Match": page.headers["etag"]})
    assert revisit.status_code == 304


def test_kept_copies_are_bounded_in_bytes_least_recently_used_out() -> None:
    store: BoundedStore[bytes] = BoundedStore(100, len)
    for number in range(3):
        store.put(number, b"x" * 40)
    assert len(store) == 2  # 120 bytes would be over the limit: the oldest went
    assert store.get(0) is None
    assert store.get(1) == b"x" * 40  # now the most recently used
    store.put(3, b"y" * 40)
    assert store.get(2) is None
    assert store.get(1) is not None
    store.put("big", b"z" * 101)  # larger than everything: never kept, nothing dropped
    assert store.get("big") is None
    assert len(store) == 2
    pages = Pages(100)
    kept = pages.get_or_make("page", lambda: b"{}")
    assert kept.etag == pages.get_or_make("page", lambda: b"other").etag


def test_small_answers_under_long_keys_are_bounded_too() -> None:
    """The client chooses the query string and the Accept headers of a kept copy's key: many
    tiny answers under long keys must not outgrow the limit that a few large bodies keep."""
    app = FastAPI()

    @app.get("/tiny", dependencies=[Depends(cacheable(60))])
    def tiny() -> dict[str, int]:
        return {"n": 1}

    cache = ResponseCache(app, limit=100_000)
    client = TestClient(cache)
    padding = "x" * 4_000
    for number in range(100):
        answer = client.get(f"/tiny?q={number}{padding}", headers={"Accept": padding})
        assert answer.status_code == 200
    assert 0 < len(cache.copies) <= 100_000 // 8_000  # keys of 8 kB each count, not 7 bytes
    assert client.get(f"/tiny?q=99{padding}", headers={"Accept": padding}).json() == {"n": 1}


def test_the_start_page_sets_no_cookie_and_is_kept_for_everyone(
    new_client: Callable[[], TestClient], world: World
) -> None:
    """A first visit without cookies: the start page has no form, so it sets no CSRF cookie
    and is an answer a cache may share; the login page has a form and sets the cookie."""
    visitor = new_client()
    page = visitor.get("/dresden/", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "public, max-age=30"
    login = visitor.get("/anmelden")
    assert "__Host-smartcity_csrf=" in login.headers["set-cookie"]
    assert 'name="csrf_token"' in login.text


def test_an_answer_that_sets_a_cookie_is_neither_public_nor_kept() -> None:
    app = FastAPI()
    calls = []

    @app.get("/greeting", dependencies=[Depends(cacheable(60))])
    def greeting() -> JSONResponse:
        calls.append(1)
        answer = JSONResponse({"hello": "you"})
        answer.set_cookie("seen", "1")
        return answer

    client = TestClient(ResponseCache(app))
    first = client.get("/greeting")
    assert first.headers["cache-control"] == "private, no-cache"
    client.cookies.clear()
    client.get("/greeting")
    assert len(calls) == 2  # made again: nobody else gets the first client's cookie
