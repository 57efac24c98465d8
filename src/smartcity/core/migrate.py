"""Running Alembic from our own code, without an alembic.ini on disk."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, ForeignKeyConstraint

# Tables that extensions (PostGIS) create; they are not ours to migrate.
FOREIGN_TABLES = frozenset({"spatial_ref_sys", "topology", "layer"})
# Partitions come and go with the data (sensorthings.partitions); the models know the parent.
PARTITIONS = re.compile(r"^sta_observation_(default|y\d{4}m\d{2})$")
# Full-text search the models cannot describe: SQLite FTS5 tables named `…_fts` (and their
# shadow tables) and PostgreSQL text-search indexes named `…_search` (council0003).
SEARCH_TABLES = re.compile(r"^\w+_fts(_(data|idx|content|docsize|config))?$")
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
    if type_ == "table" and reflected and SEARCH_TABLES.match(name or ""):
        return False
    # GiST indexes on geometry expressions exist on PostgreSQL only (migration 0007).
    return not (type_ == "index" and reflected and (name or "").endswith(("_geometry", "_search")))


# The platform's chain (0001…) plus the directories of modules that own their migrations, each
# its own Alembic branch. Filled by `smartcity.modules.import_models`, the way importing the
# models fills the metadata.
_MODULE_LOCATIONS: list[Path] = []


def add_version_location(path: Path) -> None:
    if path not in _MODULE_LOCATIONS:
        _MODULE_LOCATIONS.append(path)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    shared = resources.files("smartcity").joinpath("migrations")
    config.set_main_option("script_location", str(shared))
    locations = [str(shared.joinpath("versions")), *map(str, _MODULE_LOCATIONS)]
    # A separator that no path contains (the default splits on spaces).
    config.set_main_option("path_separator", "newline")
    config.set_main_option("version_locations", "\n".join(locations))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for a migration run.

    On SQLite, foreign keys are off while migrations run: a batch migration recreates a table
    (copy, drop, rename), and with foreign keys on, dropping the old table would cascade-delete
    every row that references it — an upgrade would lose data. Before the commit, SQLite checks
    that every reference still holds; a run that broke one is rolled back."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # The raw connection: SQLAlchemy would begin a transaction first, inside which SQLite
        # ignores this pragma.
        raw = connection.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        tables = sorted({str(row[0]) for row in broken})
                        raise RuntimeError(
                            f"migration left rows with broken references in {', '.join(tables)}"
                        )
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "heads") -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def current_revision(engine: Engine) -> str | None:
    """The database's revisions, one per branch, for people to read; None before the first."""
    return ", ".join(sorted(current_revisions(engine))) or None


def head_revisions(engine: Engine) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def applied_revisions(engine: Engine) -> set[str]:
    """Every revision the database has: those in the version table and all they build on.

    A module's branch that depends on the platform's newest revision leaves only its own
    revision in the version table (Alembic folds the dependency into it), so the heads of the
    scripts are not always the rows of the table."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    current = current_revisions(engine)
    if not current:
        return set()
    return {revision.revision for revision in script.iterate_revisions(tuple(current), "base")}


def is_up_to_date(engine: Engine) -> bool:
    return head_revisions(engine) <= applied_revisions(engine)
