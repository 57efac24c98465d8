"""The audit log is hash-chained: editing, deleting or reordering any entry is detected and
named; on PostgreSQL the application cannot change or remove entries at all."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from smartcity.core.audit import services as audit
from smartcity.core.audit.models import AuditEntry
from tests.conftest import World


def _write(world: World, count: int) -> list[int]:
    """Entries about one resource: they form one chain (the log is sharded by resource)."""
    ids = []
    with world.tenant(world.dresden) as db:
        for index in range(count):
            entry = audit.record(
                db,
                actor="user:1",
                action="thing.update",
                resource_type="thing",
                resource_id=7,
                changes={"name": {"old": f"v{index}", "new": f"v{index + 1}"}},
            )
            db.flush()
            ids.append(entry.id)
    return ids


def _tamper(engine: Engine, backend: str, sql: str, **params: object) -> None:
    """Change the table behind the application's back, as a rogue DBA could."""
    with engine.begin() as connection:
        if backend == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
        connection.execute(text(sql), params)


def _verify(world: World) -> audit.VerifyResult:
    with world.system() as db:
        return audit.verify(db)


def test_untouched_chain_verifies(world: World) -> None:
    _write(world, 5)
    result = _verify(world)
    assert result.ok, result.problem
    assert result.entries >= 5


def test_edited_entry_is_named(world: World, engine: Engine, backend: str) -> None:
    ids = _write(world, 5)
    _tamper(engine, backend, "UPDATE audit_entry SET actor = 'user:999' WHERE id = :id", id=ids[2])
    result = _verify(world)
    assert not result.ok
    assert result.problem is not None
    assert result.problem.entry_id == ids[2]
    assert "modified" in result.problem.reason


def test_deleted_entry_is_named(world: World, engine: Engine, backend: str) -> None:
    ids = _write(world, 5)
    _tamper(engine, backend, "DELETE FROM audit_entry WHERE id = :id", id=ids[1])
    result = _verify(world)
    assert not result.ok
    assert result.problem is not None
    assert result.problem.entry_id == ids[2]  # the first entry after the gap
    assert "removed" in result.problem.reason


def test_reordered_entries_are_detected(world: World, engine: Engine, backend: str) -> None:
    ids = _write(world, 4)
    with world.system() as db:
        seqs = {row[0]: row[1] for row in db.execute(select(AuditEntry.id, AuditEntry.seq))}
    _tamper(engine, backend, "UPDATE audit_entry SET seq = -1 WHERE id = :id", id=ids[1])
    _tamper(
        engine, backend, "UPDATE audit_entry SET seq = :s WHERE id = :id", s=seqs[ids[1]], id=ids[2]
    )
    _tamper(
        engine, backend, "UPDATE audit_entry SET seq = :s WHERE id = :id", s=seqs[ids[2]], id=ids[1]
    )
    result = _verify(world)
    assert not result.ok
    assert result.problem is not None
    assert result.problem.entry_id in (ids[1], ids[2])


def test_removed_tail_is_detected(world: World, engine: Engine, backend: str) -> None:
    ids = _write(world, 3)
    _tamper(engine, backend, "DELETE FROM audit_entry WHERE id = :id", id=ids[-1])
    result = _verify(world)
    assert not result.ok
    assert result.problem is not None
    assert "removed" in result.problem.reason


def test_application_cannot_update_or_delete_entries(
    world: World, engine: Engine, backend: str
) -> None:
    ids = _write(world, 1)
    statements = [
        "UPDATE audit_entry SET actor = 'x' WHERE id = :id",
        "DELETE FROM audit_entry WHERE id = :id",
    ]
    if backend == "postgresql":
        statements.append("TRUNCATE audit_entry")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement), {"id": ids[0]})
    assert _verify(world).ok


def test_chains_are_per_municipality(world: World) -> None:
    _write(world, 2)
    with world.tenant(world.radebeul) as db:
        entry = audit.record(db, actor="user:2", action="x", resource_type="thing", resource_id=1)
        assert entry.chain_id in audit.chains_of(world.radebeul.id)
        visible = db.scalars(select(AuditEntry.municipality_id)).all()
    assert set(visible) == {world.radebeul.id}


def test_personal_fields_are_recorded_as_changed_without_values() -> None:
    summary = audit.summarize_changes(
        {"email": "a@example.org", "role": "operator"},
        {"email": "b@example.org", "role": "admin"},
        personal={"email"},
    )
    assert summary["role"] == {"old": "operator", "new": "admin"}
    assert summary["email"] == {"changed": True, "value": audit.REDACTED}
    assert "example.org" not in str(summary)


def test_user_creation_audit_has_no_names(world: World) -> None:
    with world.system() as db:
        entry = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.create").limit(1)
        ).one()
    assert "dd." not in str(entry.changes)
    assert "region.admin" not in str(entry.changes)


def test_a_resource_stays_in_one_chain_and_resources_spread_over_several(world: World) -> None:
    """A municipality's log is sharded by resource, so that appends for different cases do not
    wait for each other; one resource's entries keep their order in one chain."""
    with world.tenant(world.dresden) as db:
        for round_ in range(3):
            for case in range(20):
                audit.record(
                    db,
                    actor="user:1",
                    action=f"step{round_}",
                    resource_type="case",
                    resource_id=case,
                )
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("step")).order_by(AuditEntry.id)
        ).all()
    by_case: dict[str, set[int]] = {}
    for entry in entries:
        by_case.setdefault(entry.resource_id, set()).add(entry.chain_id)
    assert all(len(chains) == 1 for chains in by_case.values())
    assert len({next(iter(chains)) for chains in by_case.values()}) > 4
    assert {e.chain_id for e in entries} <= set(audit.chains_of(world.dresden.id))
    for resource in by_case:
        steps = [e.action for e in entries if e.resource_id == resource]
        assert steps == ["step0", "step1", "step2"], resource
    assert _verify(world).ok
