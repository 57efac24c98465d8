"""Backup and restore of a whole instance as one archive.

The archive is a tar file (optionally encrypted for age/X25519 recipients) holding

- `manifest.json`: format, version, database backend, migration revisions, and the SHA-256 and
  size of every other member, plus each table's row count and content checksum;
- `manifest.sig`: HMAC-SHA256 of the manifest keyed by the server secret. Restore refuses an
  archive whose manifest does not verify: it was changed, or it comes from an instance with
  another `SMARTCITY_SECRET_KEY` (whose signing keys, sealed with that secret, would not open);
- `database/postgresql.dump` (`pg_dump --format=custom`, taken in the same snapshot as the
  table checksums) or `database/smartcity.sqlite3` (SQLite's online backup API);
- `files/uploads/…` and `files/audit-checkpoints.jsonl`;
- `config.json`: the settings in force, secrets left out, for the operator's reference.

Restore checks every member against the manifest before it touches anything, then restores
into an empty database (or replaces the existing one when asked) and compares every table's
row count and checksum with the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyrage
from sqlalchemy import Connection, Engine, inspect, make_url, select, text
from sqlalchemy.engine import URL

from smartcity import __version__
from smartcity.core.db import Base, make_engine
from smartcity.core.settings import Settings

FORMAT = "smartcity-backup"
FORMAT_VERSION = 1
AGE_MAGIC = b"age-encryption.org/v1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PG_DUMP = "database/postgresql.dump"
SQLITE_COPY = "database/smartcity.sqlite3"
UPLOADS_PREFIX = "files/uploads/"
CHECKPOINTS = "files/audit-checkpoints.jsonl"
CONFIG = "config.json"
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class TableState:
    rows: int
    sha256: str


@dataclass(frozen=True)
class RestoreResult:
    backend: str
    tables: int
    rows: int
    files: int
    created_at: str


Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# ---------------------------------------------------------------------------------------------
# Table checksums: the same content gives the same checksum on the same backend.


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | tuple | str | int | float | bool) or value is None:
        return value
    return repr(value)


def _table_names(connection: Connection) -> list[str]:
    present = set(inspect(connection).get_table_names())
    names = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    return [*names, "alembic_version"] if "alembic_version" in present else names


def table_states(connection: Connection) -> dict[str, TableState]:
    """Row count and SHA-256 of every table of the platform, rows in primary-key order."""
    states: dict[str, TableState] = {}
    for name in _table_names(connection):
        if name == "alembic_version":
            rows = [
                (r,) for r in connection.scalars(text("SELECT version_num FROM alembic_version"))
            ]
            rows.sort()
        else:
            table = Base.metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = list(connection.execute(select(table).order_by(*order)))
        digest = hashlib.sha256()
        for row in rows:
            line = json.dumps([_canonical(v) for v in row], sort_keys=True, default=str)
            digest.update(line.encode())
            digest.update(b"\n")
        states[name] = TableState(len(rows), digest.hexdigest())
    return states


# ---------------------------------------------------------------------------------------------
# Helpers


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _signature(manifest_bytes: bytes, secret: str) -> str:
    key = hashlib.sha256(b"smartcity backup manifest\0" + secret.encode()).digest()
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump/pg_restore, the password in the environment (never
    on a command line that `ps` shows)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    try:
        finished = subprocess.run(  # noqa: S603 - fixed programs, arguments we built
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client); "
            "its major version must be at least the server's"
        ) from exc
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[-2000:]}")


def public_settings(settings: Settings) -> dict[str, Any]:
    """The configuration in force without secrets (database password included)."""
    values = settings.model_dump(mode="json")
    for name, field in type(settings).model_fields.items():
        if "SecretStr" in str(field.annotation):
            values[name] = "(set)" if getattr(settings, name) else None
    if settings.database_url:
        values["database_url"] = make_url(settings.database_url).render_as_string(
            hide_password=True
        )
    for key in ("mqtt_url", "mail_url"):
        if values.get(key):
            with contextlib.suppress(Exception):
                values[key] = make_url(values[key]).render_as_string(hide_password=True)
    return values


def load_recipient(text_value: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(text_value.strip())
    except pyrage.RecipientError as exc:
        raise BackupError(f"not an age X25519 recipient (age1…): {text_value[:12]}…") from exc


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The AGE-SECRET-KEY-… lines of an identity file as `age-keygen` writes it."""
    found = []
    for line in path.read_text().splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError as exc:
                raise BackupError(f"{path}: not a valid age identity") from exc
    if not found:
        raise BackupError(f"{path} holds no age identity (AGE-SECRET-KEY-…)")
    return found


# ---------------------------------------------------------------------------------------------
# Backup


@contextlib.contextmanager
def _database_copy(
    engine: Engine, workdir: Path
) -> Iterator[tuple[str, Path, dict[str, TableState]]]:
    """The database copied into `workdir` with the checksums of exactly that state."""
    if engine.dialect.name == "postgresql":
        target = workdir / "postgresql.dump"
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
            connection.begin(),
        ):
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            uri, env = _libpq(engine.url)
            # pg_dump reads the snapshot this transaction holds open: dump and checksums agree
            # even while the instance keeps writing.
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env,
            )
            states = table_states(connection)
        yield PG_DUMP, target, states
        return
    if engine.dialect.name == "sqlite":
        source_path = engine.url.database
        if not source_path or source_path == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        target = workdir / "smartcity.sqlite3"
        source = sqlite3.connect(source_path)
        try:
            copy = sqlite3.connect(target)
            try:
                # Consistent while other processes write (WAL): the online backup API.
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        copy_engine = make_engine(f"sqlite:///{target}")
        try:
            with copy_engine.connect() as connection:
                states = table_states(connection)
        finally:
            copy_engine.dispose()
        yield SQLITE_COPY, target, states
        return
    raise BackupError(f"backups of {engine.dialect.name} databases are not supported")


def _revisions(connection: Connection) -> list[str]:
    if "alembic_version" not in inspect(connection).get_table_names():
        return []
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def create_backup(
    engine: Engine,
    settings: Settings,
    output: Path,
    *,
    recipients: list[str] | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Write the archive to `output` (atomically) and return its manifest."""
    secret = settings.require_secret_key()
    age_recipients = [load_recipient(r) for r in recipients or []]
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smartcity-backup-", dir=output.parent) as tmp:
        workdir = Path(tmp)
        members: dict[str, Path] = {}
        with engine.connect() as connection:
            revisions = _revisions(connection)
        say("copying the database")
        with _database_copy(engine, workdir) as (member, path, states):
            members[member] = path
        uploads = settings.data_dir / "uploads"
        if uploads.is_dir():
            for file in sorted(p for p in uploads.rglob("*") if p.is_file()):
                members[UPLOADS_PREFIX + file.relative_to(uploads).as_posix()] = file
        checkpoints = settings.effective_audit_checkpoint_file
        if checkpoints.is_file():
            members[CHECKPOINTS] = checkpoints
        config = workdir / "config.json"
        config.write_text(json.dumps(public_settings(settings), indent=2, sort_keys=True))
        members[CONFIG] = config
        say(f"checksumming {len(members)} files")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "smartcity_version": __version__,
            "backend": engine.dialect.name,
            "revisions": revisions,
            "encrypted": bool(age_recipients),
            "members": {
                name: {"sha256": _sha256_file(path), "size": path.stat().st_size}
                for name, path in members.items()
            },
            "tables": {name: vars(state) for name, state in states.items()},
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        archive = workdir / "archive.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, MANIFEST, manifest_bytes)
            _add_bytes(tar, SIGNATURE, _signature(manifest_bytes, secret).encode())
            for name, path in members.items():
                info = tarfile.TarInfo(name)
                info.size = path.stat().st_size
                info.mode = 0o600
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        partial = output.with_name(output.name + ".partial")
        if age_recipients:
            say("encrypting")
            with archive.open("rb") as reader, partial.open("wb") as writer:
                pyrage.encrypt_io(reader, writer, age_recipients)
        else:
            shutil.move(archive, partial)
        partial.chmod(0o600)
        os.replace(partial, output)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# Restore


def _open_archive(path: Path, identities: Path | None, workdir: Path) -> Path:
    """The plain tar file: `path` itself, or decrypted into `workdir`."""
    with path.open("rb") as handle:
        head = handle.read(len(AGE_MAGIC))
    if head != AGE_MAGIC:
        return path
    if identities is None:
        raise BackupError("the archive is encrypted: pass the age identity file (--identity)")
    plain = workdir / "archive.tar"
    try:
        with path.open("rb") as reader, plain.open("wb") as writer:
            pyrage.decrypt_io(reader, writer, load_identities(identities))
    except pyrage.DecryptError as exc:
        raise BackupError(f"cannot decrypt the archive with {identities}: {exc}") from exc
    return plain


def _member_path(workdir: Path, name: str) -> Path:
    # Names come from a verified manifest; still, nothing may leave the work directory.
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts:
        raise BackupError(f"refusing archive member with an unsafe name: {name}")
    return workdir.joinpath(*pure.parts)


def read_archive(
    path: Path, secret: str, workdir: Path, identities: Path | None = None
) -> dict[str, Any]:
    """Check the archive completely and unpack its members into `workdir`; the manifest."""
    try:
        tar_path = _open_archive(path, identities, workdir)
        with tarfile.open(tar_path, "r:") as tar:
            entries = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in entries or SIGNATURE not in entries:
                raise BackupError(f"{path} is not a smartcity backup (no manifest)")
            manifest_bytes = _read_member(tar, entries[MANIFEST])
            signature = _read_member(tar, entries[SIGNATURE]).decode(errors="replace").strip()
            try:
                manifest: dict[str, Any] = json.loads(manifest_bytes)
            except ValueError as exc:
                raise BackupError(f"{path}: the manifest is damaged") from exc
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{path} is not a smartcity backup")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"{path} has backup format {manifest.get('format_version')}; this version "
                    f"reads format {FORMAT_VERSION}"
                )
            if not hmac.compare_digest(signature, _signature(manifest_bytes, secret)):
                raise BackupError(
                    f"{path}: the manifest's signature does not match. The archive was changed, "
                    "or it was made by an instance with another SMARTCITY_SECRET_KEY (set that "
                    "key: the signing keys in the backup are sealed with it)"
                )
            expected: dict[str, dict[str, Any]] = manifest["members"]
            extra = set(entries) - set(expected) - {MANIFEST, SIGNATURE}
            missing = set(expected) - set(entries)
            if extra or missing:
                raise BackupError(
                    f"{path} does not match its manifest (missing: {sorted(missing)[:5]}, "
                    f"unexpected: {sorted(extra)[:5]})"
                )
            for name, facts in expected.items():
                entry = entries[name]
                if not entry.isfile():
                    raise BackupError(f"{path}: {name} is not a regular file")
                target = _member_path(workdir / "members", name)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = tar.extractfile(entry)
                assert source is not None  # a regular file
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != facts["sha256"] or target.stat().st_size != facts["size"]:
                    raise BackupError(f"{path}: {name} is damaged (checksum does not match)")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{path} is damaged or not a backup archive: {exc}") from exc
    return manifest


def _read_member(tar: tarfile.TarFile, entry: tarfile.TarInfo) -> bytes:
    if not entry.isfile() or entry.size > 16 * CHUNK:
        raise BackupError(f"{entry.name} is not a manifest")
    handle: IO[bytes] | None = tar.extractfile(entry)
    assert handle is not None
    return handle.read()


def _database_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    ours = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    return not (present & ours)


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    from smartcity.core.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(engine))
    return {script.revision for script in scripts.walk_revisions()}


def _restore_postgresql(engine: Engine, dump: Path, replace: bool) -> None:
    if replace:
        with engine.begin() as connection:
            # The whole schema goes (the audit log's triggers refuse DELETE and TRUNCATE, not
            # DROP); pg_restore brings back the extensions the dump names.
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    uri, env = _libpq(engine.url)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(dump),
        ],
        env,
    )


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("cannot restore into an in-memory SQLite database")
    engine.dispose()
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    try:
        target = sqlite3.connect(database)
        try:
            # Page by page into the live file, so the WAL and any open reader stay consistent.
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def restore_backup(
    engine: Engine,
    settings: Settings,
    archive: Path,
    *,
    identities: Path | None = None,
    replace: bool = False,
    say: Say = _quiet,
) -> RestoreResult:
    """Restore the archive into the configured database and data directory."""
    secret = settings.require_secret_key()
    with tempfile.TemporaryDirectory(prefix="smartcity-restore-") as tmp:
        workdir = Path(tmp)
        say(f"checking {archive}")
        manifest = read_archive(archive, secret, workdir, identities)
        members = workdir / "members"
        backend = engine.dialect.name
        if manifest["backend"] != backend:
            raise BackupError(
                f"the archive holds a {manifest['backend']} database; the configured one is "
                f"{backend} (restore it into a {manifest['backend']} database, then migrate "
                "the data with `smartcity export` if you are moving)"
            )
        unknown = set(manifest["revisions"]) - _known_revisions(engine)
        if unknown:
            raise BackupError(
                f"the archive was made by a newer version ({manifest['smartcity_version']}, "
                f"migrations {sorted(unknown)}): install that version to restore it"
            )
        uploads = settings.data_dir / "uploads"
        has_uploads = uploads.is_dir() and any(uploads.iterdir())
        if not replace and (not _database_is_empty(engine) or has_uploads):
            raise BackupError(
                "the database or the uploads directory is not empty; stop the platform and "
                "pass --replace to overwrite them"
            )
        say("restoring the database")
        if backend == "postgresql":
            _restore_postgresql(engine, members / PG_DUMP, replace)
        else:
            _restore_sqlite(engine, members / SQLITE_COPY)
        say("restoring the files")
        if uploads.exists():
            shutil.rmtree(uploads)
        files = 0
        for name in manifest["members"]:
            if name.startswith(UPLOADS_PREFIX):
                target = _member_path(uploads, name.removeprefix(UPLOADS_PREFIX))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(_member_path(members, name), target)
                files += 1
        checkpoints = settings.effective_audit_checkpoint_file
        if CHECKPOINTS in manifest["members"] and not checkpoints.exists():
            # An existing checkpoint file is append-only evidence: never overwritten.
            checkpoints.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(members / CHECKPOINTS, checkpoints)
        say("comparing every table with the manifest")
        with engine.connect() as connection:
            states = {name: vars(state) for name, state in table_states(connection).items()}
        expected: dict[str, dict[str, Any]] = manifest["tables"]
        differing = sorted(
            name for name in set(expected) | set(states) if expected.get(name) != states.get(name)
        )
        if differing:
            raise BackupError(
                f"the restored database differs from the backup in {len(differing)} tables: "
                f"{', '.join(differing[:10])}"
            )
    return RestoreResult(
        backend=backend,
        tables=len(states),
        rows=sum(s["rows"] for s in states.values()),
        files=files,
        created_at=manifest["created_at"],
    )
