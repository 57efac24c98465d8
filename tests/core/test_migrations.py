"""Migrations go up and down on both databases and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from smartcity.core import migrate
from smartcity.core.db import Base


def test_down_and_up_again(engine: Engine) -> None:
    assert migrate.is_up_to_date(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert "municipality" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    assert "municipality" in inspect(engine).get_table_names()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
