from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.tenancy.services import MunicipalityInput, validate_municipality
from tests.conftest import World

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
        validate_municipality(data)
    assert field in raised.value.errors


def test_valid_ags_of_every_land_is_accepted() -> None:
    for land in range(1, 17):
        validate_municipality(MunicipalityInput(**{**VALID.__dict__, "ags": f"{land:02d}000000"}))


def test_duplicate_slug_and_ags_are_conflicts(world: World) -> None:
    from smartcity.core.tenancy.services import create_municipality

    with pytest.raises(Conflict, match="slug"), world.system() as db:
        create_municipality(
            db, MunicipalityInput("dresden", "Dresden 2", "14612999", "Europe/Berlin", 51, 13)
        )
    with pytest.raises(Conflict, match="AGS"), world.system() as db:
        create_municipality(
            db, MunicipalityInput("dresden2", "Dresden 2", "14612000", "Europe/Berlin", 51, 13)
        )


def test_municipality_list_is_public(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/municipalities")
    assert response.status_code == 200
    assert [m["slug"] for m in response.json()] == ["dresden", "radebeul"]
    assert response.json()[0]["ags"] == "14612000"
