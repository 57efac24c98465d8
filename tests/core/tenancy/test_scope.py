"""Cross-tenant reads are impossible by construction: the session's scope decides."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from smartcity.core.db import transaction
from smartcity.core.identity.models import ApiKey
from smartcity.core.tenancy.scope import CrossTenantWrite, TenantScopeMissing
from smartcity.parking.models import CarPark
from tests.conftest import World


def _car_park(name: str) -> CarPark:
    return CarPark(external_id=name.lower(), name=name, lot_type="Parkhaus", lat=51.0, lon=13.7)


def test_queries_only_see_the_scoped_municipality(world: World) -> None:
    with world.tenant(world.dresden) as db:
        db.add(_car_park("Altmarkt"))
    with world.tenant(world.radebeul) as db:
        db.add(_car_park("Bahnhof"))

    with world.tenant(world.dresden) as db:
        names = db.scalars(select(CarPark.name)).all()
        assert names == ["Altmarkt"]
    with world.tenant(world.radebeul) as db:
        assert db.scalars(select(CarPark.name)).all() == ["Bahnhof"]


def test_get_by_id_of_another_municipality_finds_nothing(world: World) -> None:
    with world.tenant(world.dresden) as db:
        park = _car_park("Altmarkt")
        db.add(park)
        db.flush()
        park_id = park.id
    with world.tenant(world.radebeul) as db:
        assert db.get(CarPark, park_id) is None


def test_bulk_update_cannot_touch_another_municipality(world: World) -> None:
    with world.tenant(world.dresden) as db:
        db.add(_car_park("Altmarkt"))
    with world.tenant(world.radebeul) as db:
        db.execute(update(CarPark).values(name="hijacked"))
    with world.tenant(world.dresden) as db:
        assert db.scalars(select(CarPark.name)).all() == ["Altmarkt"]


def test_new_rows_are_stamped_with_the_scope(world: World) -> None:
    with world.tenant(world.radebeul) as db:
        park = _car_park("Bahnhof")
        db.add(park)
        db.flush()
        assert park.municipality_id == world.radebeul.id


def test_writing_a_row_into_another_municipality_is_refused(world: World) -> None:
    park = _car_park("Bahnhof")
    park.municipality_id = world.dresden.id
    with pytest.raises(CrossTenantWrite), world.tenant(world.radebeul) as db:
        db.add(park)
    with world.system() as db:
        assert db.scalars(select(CarPark)).all() == []


def test_a_session_without_scope_cannot_read_tenant_data(world: World) -> None:
    with (
        pytest.raises(TenantScopeMissing),
        transaction(world.platform.sessions) as db,
    ):
        db.scalars(select(ApiKey)).all()


def test_system_scope_sees_everything_deliberately(world: World) -> None:
    world.api_key(world.dresden, "sta:write")
    world.api_key(world.radebeul, "sta:write")
    with world.system() as db:
        owners = sorted(db.scalars(select(ApiKey.municipality_id)).all())
    assert owners == sorted([world.dresden.id, world.radebeul.id])


def test_a_session_without_scope_cannot_write_tenant_data(world: World) -> None:
    park = _car_park("Bahnhof")
    park.municipality_id = world.dresden.id
    with pytest.raises(TenantScopeMissing), transaction(world.platform.sessions) as db:
        db.add(park)
    with world.system() as db:
        assert db.scalars(select(CarPark)).all() == []
