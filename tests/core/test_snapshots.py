"""Copies of rarely changing rows for hot paths: kept for their time, dropped in this process
by a commit that changes what they copy, never by one that is rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from smartcity.core.db import transaction
from smartcity.core.errors import NotFound
from smartcity.core.snapshots import Snapshots
from smartcity.core.tenancy.models import Municipality, Region
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import enter_municipality
from tests.conftest import World


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_copy_is_kept_for_its_time_and_then_loaded_again() -> None:
    clock = Clock()
    snapshots = Snapshots(5, clock=clock)
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert snapshots.get("k", load) == 1
    clock.now += 4.9
    assert snapshots.get("k", load) == 1
    clock.now += 0.2
    assert snapshots.get("k", load) == 2
    assert Snapshots(0, clock=clock).get("k", load) == 3  # 0 seconds: nothing is kept


def test_a_copy_loaded_while_a_commit_changed_things_is_not_kept() -> None:
    snapshots = Snapshots(5, clock=Clock())
    loads: list[str] = []

    def load_during_a_commit() -> str:
        loads.append("old")
        snapshots.clear()  # another thread's commit lands while this copy is loading
        return "old"

    assert snapshots.get("k", load_during_a_commit) == "old"
    assert snapshots.get("k", lambda: "new") == "new"


def _renamed(world: World, name: str, *, commit: bool) -> None:
    with world.platform.sessions(info={SCOPE_KEY: SYSTEM}) as db:
        db.get_one(Municipality, world.dresden.id).name = name
        if commit:
            db.commit()
        else:
            db.flush()
            db.rollback()


def _name_seen(world: World) -> str:
    with transaction(world.platform.sessions) as db:
        return enter_municipality(db, "dresden").name


def _renamed_behind_the_orm(world: World, name: str) -> None:
    """As another instance would: this process's sessions do not see it happen."""
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        db.execute(update(Municipality).values(name=name))


def test_a_committed_change_drops_the_copies_of_this_process(world: World) -> None:
    assert _name_seen(world) == "Dresden"
    _renamed_behind_the_orm(world, "Elbflorenz")
    _renamed(world, "Landeshauptstadt Dresden", commit=False)
    assert _name_seen(world) == "Dresden"  # rolled back: the copy is still used
    _renamed(world, "Landeshauptstadt Dresden", commit=True)
    assert _name_seen(world) == "Landeshauptstadt Dresden"


def test_changes_to_what_is_not_copied_keep_the_copies(world: World) -> None:
    assert _name_seen(world) == "Dresden"
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        db.scalars(select(Region)).one().name = "Elbland"
    _renamed_behind_the_orm(world, "Elbflorenz")  # this process keeps its copy
    assert _name_seen(world) == "Dresden"


def test_an_unknown_municipality_is_not_found(world: World) -> None:
    with transaction(world.platform.sessions) as db, pytest.raises(NotFound, match="pirna"):
        enter_municipality(db, "pirna")


def test_a_copy_is_loaded_while_the_request_holds_its_write_transaction(world: World) -> None:
    # On SQLite a request's transaction takes the write lock at its start (BEGIN IMMEDIATE);
    # the copy's own transaction only reads and must not wait for it.
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        db.get_one(Region, world.dresden.region_id).name = "Elbland"
        db.flush()  # the request has written: it holds the lock until its commit
        assert enter_municipality(db, "dresden").name == "Dresden"
