"""An operator upgrades a running installation of the previous release: its demo database
(made by release 0.2.0, see release_0_2_0/README.md) is migrated by `smartcity migrate` of this
release, loses no row, keeps its audit chain intact, and the portal and back office work on it
with the logins and secret key of the old installation."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection

from smartcity.app import create_app
from smartcity.cli import main
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, _postgres_reachable, login

RELEASE = Path(__file__).parent / "release_0_2_0"


def row_counts(connection: Connection) -> dict[str, int]:
    return {
        table: connection.execute(select(func.count()).select_from(sql_table(table))).scalar_one()
        for table in inspect(connection).get_table_names()
    }


@pytest.fixture
def sqlite_release(tmp_path: Path) -> str:
    path = tmp_path / "data" / "smartcity.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as connection:
        connection.executescript(
            lzma.decompress((RELEASE / "sqlite/dump.sql.xz").read_bytes()).decode()
        )
    return f"sqlite:///{path}"


@pytest.fixture
def postgresql_release() -> Iterator[str]:
    problem = _postgres_reachable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    if shutil.which("psql") is None:
        pytest.fail("psql is needed to load the previous release's dump")
    name = f"smartcity_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    dump = lzma.decompress((RELEASE / "postgresql/dump.sql.xz").read_bytes())
    loaded = subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url.replace("+psycopg", "")],
        input=dump,
        capture_output=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr.decode()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_previous_release_upgrades_without_losing_anything(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(f"{backend}_release")
    old = RELEASE / backend
    data = tmp_path / "data"
    shutil.copytree(old / "uploads", data / "uploads", dirs_exist_ok=True)
    secret = (old / "demo-secret-key").read_text().strip()
    for name, value in {
        "SMARTCITY_DATA_DIR": str(data),
        "SMARTCITY_DATABASE_URL": url,
        "SMARTCITY_SECRET_KEY": secret,
    }.items():
        monkeypatch.setenv(name, value)
    engine = create_engine(url)
    with engine.connect() as connection:
        before = row_counts(connection)
    assert before["case_file"] > 0
    assert before["audit_entry"] > 0

    cli = CliRunner()
    migrated = cli.invoke(main, ["migrate"], catch_exceptions=False)
    assert migrated.exit_code == 0, migrated.output
    again = cli.invoke(main, ["migrate"], catch_exceptions=False)
    assert again.exit_code == 0, again.output  # a second run changes nothing and does not fail
    verified = cli.invoke(main, ["audit", "verify"], catch_exceptions=False)
    assert verified.exit_code == 0, verified.output
    assert "audit log intact" in verified.output

    with engine.connect() as connection:
        after = row_counts(connection)
    engine.dispose()
    # Expand/contract: an upgrade adds tables and columns, it never drops rows.
    lost = {
        t: (n, after.get(t))
        for t, n in before.items()
        if t != "alembic_version" and after.get(t) != n
    }
    assert not lost, f"rows changed by the upgrade: {lost}"
    assert set(after) > set(before) or set(after) == set(before)

    platform = Platform.from_settings(Settings())
    try:
        app = create_app(platform=platform, run_broker=False, run_jobs=False)
        with TestClient(app, base_url="https://testserver") as browser:
            assert browser.get("/dresden/").status_code == 200
            passwords = json.loads((old / "demo-credentials.json").read_text())
            login(browser, "dresden.sachbearbeitung", passwords["dresden.sachbearbeitung"])
            cases = browser.get("/dresden/api/v1/cases")
            assert cases.status_code == 200, cases.text
            assert cases.json()["cases"], "the old installation's cases are in the inbox"
    finally:
        platform.engine.dispose()
    assert os.listdir(data / "uploads")
