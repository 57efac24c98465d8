from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.tenancy.services import (
    SLUG_PATTERN,
    MunicipalityInput,
    create_municipality,
    validate_municipality,
)
from smartcity.modules import reserved_slugs
from tests.conftest import World

RESERVED = reserved_slugs()

VALID = MunicipalityInput("meissen", "Meißen", "14627170", "Europe/Berlin", 51.16, 13.47)


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("ags", {"ags": "1461200"}),  # 7 digits
        ("ags", {"ags": "146120001"}),  # 9 digits
        ("ags", {"ags": "17612000"}),  # there is no Land 17
        ("ags", {"ags": "00612000"}),
        ("ags", {"ags": "1461200a"}),
        ("slug", {"slug": "Dresden"}),
        ("slug", {"slug": "api"}),  # reserved by the platform
        ("slug", {"slug": "x"}),
        ("timezone", {"timezone": "Mars/Olympus"}),
        ("center_lat", {"center_lat": 91.0}),
        ("center_lon", {"center_lon": -181.0}),
        ("name", {"name": "  "}),
    ],
)
def test_invalid_municipality_data_names_the_field(field: str, changes: dict[str, object]) -> None:
    data = MunicipalityInput(**{**VALID.__dict__, **changes})
    with pytest.raises(InvalidInput) as raised:
        validate_municipality(data, reserved=RESERVED)
    assert field in raised.value.errors


def test_valid_ags_of_every_land_is_accepted() -> None:
    for land in range(1, 17):
        data = MunicipalityInput(**{**VALID.__dict__, "ags": f"{land:02d}000000"})
        validate_municipality(data, reserved=RESERVED)


def test_duplicate_slug_and_ags_are_conflicts(world: World) -> None:
    with pytest.raises(Conflict, match="slug"), world.system() as db:
        create_municipality(
            db,
            MunicipalityInput("dresden", "Dresden 2", "14612999", "Europe/Berlin", 51, 13),
            reserved=RESERVED,
        )
    with pytest.raises(Conflict, match="AGS"), world.system() as db:
        create_municipality(
            db,
            MunicipalityInput("dresden2", "Dresden 2", "14612000", "Europe/Berlin", 51, 13),
            reserved=RESERVED,
        )


def _paths(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[str]:
    """Every route's and mount's path, also inside included routers (FastAPI keeps an
    included router as one node with the original router and its prefix inside)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if included is not None and context is not None:
            yield from _paths(included.routes, prefix + context.prefix)
        else:
            yield prefix + getattr(route, "path", "")


def _first_segments(app: FastAPI) -> set[str]:
    firsts = {path.strip("/").split("/")[0] for path in _paths(app.routes)}
    return {first for first in firsts if first and not first.startswith("{")}


def test_every_top_level_path_of_the_app_is_reserved(app: FastAPI) -> None:
    # The app's routes, pages and mounts (the web shell's included): none may become a slug.
    segments = _first_segments(app)
    assert {"api", "auth", "static", "healthz", "verwaltung", "anmelden", "oparl"} <= segments
    assert segments - RESERVED == set()


def test_a_municipality_cannot_take_a_path_of_the_platform(world: World) -> None:
    takeable = sorted(s for s in RESERVED if SLUG_PATTERN.match(s))
    assert "verwaltung" in takeable
    for number, slug in enumerate(takeable):
        data = MunicipalityInput(slug, "Irgendwo", f"146270{number:02d}", "Europe/Berlin", 51, 13)
        with pytest.raises(InvalidInput) as raised, world.system() as db:
            create_municipality(db, data, reserved=RESERVED)
        assert "reserved" in raised.value.errors["slug"]


def test_municipality_list_is_public(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/municipalities")
    assert response.status_code == 200
    assert [m["slug"] for m in response.json()] == ["dresden", "radebeul"]
    assert response.json()[0]["ags"] == "14612000"
