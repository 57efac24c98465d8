"""Checkpoints anchor the audit chains outside the database: what a database writer can hide
from the chain alone — a removed tail with its head moved back, a whole chain removed with its
head, an entry rewritten with every later hash recomputed — `smartcity audit verify` names."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, Engine, text

from smartcity.cli import main
from smartcity.core.audit.anchors import write_checkpoint
from smartcity.core.audit.services import GENESIS_HASH, compute_hash
from smartcity.core.db import make_engine
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings

SECRET = "checkpoint-test-secret-0123456789abcdef0123"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> CliRunner:
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCITY_DATABASE_URL", database_url)
    monkeypatch.setenv("SMARTCITY_SECRET_KEY", SECRET)
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_MEMORY_KIB", "19456")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_PARALLELISM", "1")
    return CliRunner()


@pytest.fixture
def engine(database_url: str) -> Engine:
    return make_engine(database_url)


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, list(args), catch_exceptions=False)


def tamper(engine: Engine, change: Callable[[Connection], None]) -> None:
    """Behind the application's back, with the protecting triggers out of the way."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
        change(connection)


def history(cli: CliRunner) -> None:
    """A municipality and three keys, one of them revoked: its two entries form one chain
    (the log is sharded by resource)."""
    assert (
        run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270").exit_code == 0
    )
    for _ in range(3):
        created = run(cli, "apikey", "create", "--tenant", "pirna", "--scope", "sta:write")
        assert created.exit_code == 0
    assert run(cli, "apikey", "revoke", "--tenant", "pirna", "2").exit_code == 0


def newest_chain(connection: Connection) -> int:
    """The chain of the newest entry (the revoked key's: two entries)."""
    return int(
        connection.execute(
            text("SELECT chain_id FROM audit_entry ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    )


def remove_tail(connection: Connection) -> None:
    chain = newest_chain(connection)
    seq = connection.execute(
        text("SELECT max(seq) FROM audit_entry WHERE chain_id = :c"), {"c": chain}
    ).scalar_one()
    previous = connection.execute(
        text("SELECT entry_hash FROM audit_entry WHERE chain_id = :c AND seq = :s"),
        {"c": chain, "s": seq - 1},
    ).scalar_one()
    connection.execute(
        text("DELETE FROM audit_entry WHERE chain_id = :c AND seq = :s"), {"c": chain, "s": seq}
    )
    connection.execute(
        text("UPDATE audit_chain_head SET seq = :s, entry_hash = :h WHERE chain_id = :c"),
        {"c": chain, "s": seq - 1, "h": previous},
    )


def remove_chain(connection: Connection) -> None:
    chain = newest_chain(connection)
    connection.execute(text("DELETE FROM audit_entry WHERE chain_id = :c"), {"c": chain})
    connection.execute(text("DELETE FROM audit_chain_head WHERE chain_id = :c"), {"c": chain})


def rewrite_and_rehash(connection: Connection) -> None:
    chain = newest_chain(connection)
    rows = connection.execute(
        text("SELECT * FROM audit_entry WHERE chain_id = :c ORDER BY seq"), {"c": chain}
    ).mappings()
    previous = GENESIS_HASH
    last = None
    for row in [dict(r) for r in rows]:
        if row["seq"] == 1:
            row["action"] = "nothing.happened"
        row["prev_hash"] = previous
        if isinstance(row["changes"], str):  # SQLite returns the JSON text
            row["changes"] = json.loads(row["changes"])
        if isinstance(row["created_at"], str):
            row["created_at"] = datetime.fromisoformat(row["created_at"]).replace(tzinfo=UTC)
        row["entry_hash"] = compute_hash(row)
        connection.execute(
            text(
                "UPDATE audit_entry SET action = :action, prev_hash = :prev_hash, "
                "entry_hash = :entry_hash WHERE id = :id"
            ),
            row,
        )
        previous, last = row["entry_hash"], row
    assert last is not None
    connection.execute(
        text("UPDATE audit_chain_head SET entry_hash = :h WHERE chain_id = :c"),
        {"c": chain, "h": last["entry_hash"]},
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (remove_tail, "is gone"),
        (remove_chain, "the chain is gone"),
        (rewrite_and_rehash, "differs from the checkpoint (rewritten)"),
    ],
    ids=["removed tail", "removed chain", "rewritten chain"],
)
def test_what_the_chain_alone_misses_the_checkpoint_names(
    cli: CliRunner, engine: Engine, change: Callable[[Connection], None], said: str
) -> None:
    history(cli)
    anchored = run(cli, "audit", "anchor")
    assert anchored.exit_code == 0
    assert "checkpoint of" in anchored.output
    tamper(engine, change)
    result = run(cli, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert "chains expected" in result.output


@pytest.mark.parametrize("change", [remove_tail, remove_chain, rewrite_and_rehash])
def test_without_a_checkpoint_these_go_unnoticed_and_verify_says_so(
    cli: CliRunner, engine: Engine, change: Callable[[Connection], None]
) -> None:
    history(cli)
    tamper(engine, change)
    result = run(cli, "audit", "verify")
    assert result.exit_code == 0
    assert "cannot be detected" in result.output


def test_an_intact_log_verifies_against_its_checkpoint(cli: CliRunner) -> None:
    history(cli)
    run(cli, "audit", "anchor")
    run(cli, "apikey", "create", "--tenant", "pirna", "--scope", "sta:write")  # after it: fine
    result = run(cli, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output


def test_a_changed_checkpoint_file_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    history(cli)
    run(cli, "audit", "anchor")
    path = tmp_path / "data" / "audit-checkpoints.jsonl"
    # A chain's recorded length lowered to match a shortened chain: the MAC gives it away.
    path.write_text(path.read_text().replace("[2,", "[1,", 1))
    result = run(cli, "audit", "verify")
    assert result.exit_code == 1
    assert "MAC does not match" in result.output


def test_the_job_adds_a_line_only_when_a_chain_has_grown(
    cli: CliRunner, tmp_path: Path, database_url: str
) -> None:
    history(cli)
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=SECRET)
    platform = Platform.from_settings(settings)
    path = settings.effective_audit_checkpoint_file
    try:
        assert write_checkpoint(platform, only_if_changed=True) is not None
        assert write_checkpoint(platform, only_if_changed=True) is None  # nothing new
        run(cli, "apikey", "create", "--tenant", "pirna", "--scope", "sta:write")
        assert write_checkpoint(platform, only_if_changed=True) is not None
    finally:
        platform.engine.dispose()
    assert len(path.read_text().splitlines()) == 2
    assert run(cli, "audit", "verify").exit_code == 0
