"""`bench.run.run_backends`: the one "for each database: make it, run, drop it" loop the
benchmarks share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bench import run


def test_sqlite_runs_in_a_directory_of_its_own_that_is_removed_afterwards() -> None:
    seen: list[tuple[str, str, Path]] = []

    def measure(name: str, url: str, directory: Path) -> dict[str, Any]:
        assert directory.is_dir()
        seen.append((name, url, directory))
        return {"backend": name}

    assert run.run_backends("sqlite", measure) == [{"backend": "sqlite"}]
    [(name, url, directory)] = seen
    assert name == "sqlite"
    assert url == f"sqlite:///{directory / 'bench.sqlite3'}"
    assert not directory.exists()


@pytest.mark.postgres
def test_postgresql_gets_a_database_of_its_own_dropped_even_after_a_failure() -> None:
    made: list[str] = []

    def measure(name: str, url: str, directory: Path) -> dict[str, Any]:
        made.append(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT 1")) == 1
        engine.dispose()
        if name == "postgresql":
            raise RuntimeError("the measurement failed")
        return {"backend": name}

    with pytest.raises(RuntimeError):
        run.run_backends("both", measure)
    assert made[0].startswith("sqlite:///")
    admin = create_engine(run.POSTGRES_ADMIN)
    with admin.connect() as connection:
        left = connection.scalar(
            text("SELECT count(*) FROM pg_database WHERE datname = :name"),
            {"name": made[1].rsplit("/", 1)[1]},
        )
    admin.dispose()
    assert left == 0
