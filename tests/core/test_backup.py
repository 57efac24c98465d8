"""`smartcity backup` and `smartcity restore` as an operator runs them: demo data → backup →
wipe → restore gives back every table, the uploads, a verifying audit log and signing keys
that still open; damaged, foreign and mismatched archives are refused before anything changes.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pyrage
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select, text

from smartcity.cli import main
from smartcity.core.backup import table_states
from smartcity.core.db import transaction
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.demo import create_demo_data


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> CliRunner:
    """The CLI configured like the `settings` fixture, as an operator's environment."""
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SMARTCITY_DATABASE_URL", settings.database_url)
    assert settings.secret_key is not None
    monkeypatch.setenv("SMARTCITY_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_MEMORY_KIB", "19456")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_PARALLELISM", "1")
    return CliRunner()


def run(cli: CliRunner, *args: str, ok: bool = True) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0, result.output
    return result


def wipe(engine: Engine, settings: Settings) -> None:
    """What a lost server leaves: no database, no uploads."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        database = Path(str(engine.url.database))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine.dispose()
    shutil.rmtree(settings.data_dir / "uploads", ignore_errors=True)


def uploads_of(settings: Settings) -> dict[str, bytes]:
    root = settings.data_dir / "uploads"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sign_receipt(platform: Platform, slug: str, claims: dict[str, str]) -> tuple[str, str]:
    """A receipt signed with the municipality's key, and that key's id."""
    secret = platform.settings.require_secret_key()
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        municipality = db.scalars(select(Municipality).where(Municipality.slug == slug)).one()
        token = signing.sign(db, municipality, claims, secret)
    header = json.loads(_b64(token.split(".")[0]))
    return token, header["kid"]


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def published_keys(platform: Platform) -> dict[str, object]:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        return signing.key_set(db)


def test_demo_round_trip_restores_every_table_file_and_key(
    platform: Platform, settings: Settings, cli: CliRunner, tmp_path: Path
) -> None:
    create_demo_data(platform)
    receipt, kid = sign_receipt(platform, "dresden", {"sub": "application 1"})
    run(cli, "audit", "anchor")
    with platform.engine.connect() as connection:
        before = table_states(connection)
    files_before = uploads_of(settings)
    assert files_before, "the demo stores uploaded photos"
    assert before["audit_entry"].rows > 0
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "backup-key.txt"
    key_file.write_text(f"# created for the test\n{identity}\n")
    archive = tmp_path / "nightly.smartcity-backup"

    made = run(cli, "backup", "-o", str(archive), "-r", str(identity.to_public())).output
    assert "(encrypted)" in made
    assert archive.read_bytes().startswith(b"age-encryption.org/v1")

    wipe(platform.engine, settings)
    refused = run(cli, "restore", str(archive), ok=False).output
    assert "pass the age identity file" in refused

    restored = run(cli, "restore", str(archive), "--identity", str(key_file)).output
    assert "every table equal to the backup" in restored
    with platform.engine.connect() as connection:
        after = table_states(connection)
    assert after == before
    assert uploads_of(settings) == files_before
    assert "audit log intact" in run(cli, "audit", "verify").output
    # Receipts issued before the loss still verify against the restored public keys, and the
    # restored private key (sealed with the server secret) signs again: no new key was made.
    assert signing.verify(receipt, published_keys(platform))["sub"] == "application 1"
    token, new_kid = sign_receipt(platform, "dresden", {"sub": "application 2"})
    assert new_kid == kid
    assert signing.verify(token, published_keys(platform))["sub"] == "application 2"


def test_restore_refuses_damaged_foreign_and_occupied_targets(
    world: object, settings: Settings, cli: CliRunner, tmp_path: Path, platform: Platform
) -> None:
    archive = tmp_path / "backup.tar"
    run(cli, "backup", "-o", str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[:2] == ["manifest.json", "manifest.sig"]
    assert "config.json" in names
    config = json.loads(_member(archive, "config.json"))
    assert config["secret_key"] == "(set)", "no secret in the archive"

    # The database is not empty: restoring over it needs --replace.
    occupied = run(cli, "restore", str(archive), ok=False).output
    assert "--replace" in occupied

    # One flipped byte in the database copy: refused before anything is touched.
    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    offset = _offset_of(archive, names[2])
    data[offset + 100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    assert "damaged" in run(cli, "restore", "--replace", str(damaged), ok=False).output

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: len(data) // 2])
    assert "damaged" in run(cli, "restore", "--replace", str(truncated), ok=False).output

    not_ours = tmp_path / "photos.tar"
    with tarfile.open(not_ours, "w") as tar:
        tar.add(archive, arcname="something.bin")
    assert "not a smartcity backup" in run(cli, "restore", str(not_ours), ok=False).output

    # An archive of another instance (another server secret) is foreign.
    cli.env = {"SMARTCITY_SECRET_KEY": "another-instance-" + "y" * 40}
    foreign = run(cli, "restore", "--replace", str(archive), ok=False).output
    assert "another SMARTCITY_SECRET_KEY" in foreign

    # With --replace the real archive goes back over the live database.
    cli.env = {}
    with platform.engine.connect() as connection:
        before = table_states(connection)
    run(cli, "restore", "--replace", str(archive))
    with platform.engine.connect() as connection:
        assert table_states(connection) == before


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle.read()


def _offset_of(archive: Path, name: str) -> int:
    with tarfile.open(archive) as tar:
        return tar.getmember(name).offset_data
