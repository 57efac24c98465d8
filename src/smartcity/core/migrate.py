"""Running Alembic from our own code, without an alembic.ini on disk."""

from __future__ import annotations

import re
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, ForeignKeyConstraint

# Tables that extensions (PostGIS) create; they are not ours to migrate.
FOREIGN_TABLES = frozenset({"spatial_ref_sys", "topology", "layer"})
# Partitions come and go with the data (sensorthings.partitions); the models know the parent.
PARTITIONS = re.compile(r"^sta_observation_(default|y\d{4}m\d{2})$")
# Foreign keys the models declare (and SQLite has) which PostgreSQL checks with triggers once
# per statement instead (migration 0019).
CHECKED_PER_STATEMENT = frozenset(
    {
        ("sta_observation", "datastream_id"),
        ("sta_observation", "multi_datastream_id"),
        ("sta_observation", "feature_of_interest_id"),
        ("sta_rollup", "datastream_id"),
        ("sta_rollup", "municipality_id"),
    }
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ == "table" and reflected and (name in FOREIGN_TABLES or PARTITIONS.match(name or "")):
        return False
    if (
        type_ == "foreign_key_constraint"
        and isinstance(obj, ForeignKeyConstraint)
        and (obj.table.name, *obj.column_keys) in CHECKED_PER_STATEMENT
    ):
        return False
    # GiST indexes on geometry expressions exist on PostgreSQL only (migration 0007).
    return not (type_ == "index" and reflected and (name or "").endswith("_geometry"))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("smartcity").joinpath("migrations"))
    )
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
