"""Test fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL tests skip only when no server is reachable and CI is not set; with CI=true an
unreachable server fails the run. Set SMARTCITY_TEST_POSTGRES_URL to use another server.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from smartcity.app import create_app
from smartcity.core import migrate
from smartcity.core.db import Base, make_engine, transaction
from smartcity.core.identity import apikeys, users
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.passwords import PasswordHashing
from smartcity.core.identity.permissions import Role
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models, reserved_slugs

import_models()

POSTGRES_ADMIN_URL = os.environ.get(
    "SMARTCITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct horse battery staple"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A migrated database per test process (each pytest-xdist worker has its own)."""
    problem = _postgres_reachable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"smartcity_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    """Empty every table and restart every sequence a test used.

    A test fills a handful of the tables: those are found in one query and emptied with
    DELETE, which on a few rows takes milliseconds where TRUNCATE of every table takes a
    second or more (new files for each table and index, synced at commit)."""
    engine = create_engine(url)
    probe = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")"  # noqa: S608 - our tables
        for t in Base.metadata.sorted_tables
    )
    with engine.begin() as connection:
        filled = list(connection.scalars(text(probe)))
        # Replica mode skips foreign keys and the audit log's append-only trigger: only the
        # test harness does this.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in filled:
            connection.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - our tables
        used = list(
            connection.scalars(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                    "WHERE last_value IS NOT NULL"
                )
            )
        )
        if used:
            restart = ", ".join(f"setval('{sequence}', 1, false)" for sequence in used)
            connection.execute(text(f"SELECT {restart}"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "smartcity.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    yield url


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-" + "x" * 40,
        log_format="text",
        login_max_failures=3,
        mqtt_url="",
        # Where a test connects to an external broker (the machine's Mosquitto, shared by the
        # test workers), its MQTT sessions are its own and soon forgotten by the broker.
        instance_name=f"test-{uuid.uuid4().hex[:8]}",
        mqtt_session_expiry=300,
        # A share group of its own too: Mosquitto hands a group's messages in turn to every
        # session in it, connected or not, so another test's session would take a share.
        mqtt_share_group=f"t{uuid.uuid4().hex[:12]}",
        # OWASP's minimum argon2id cost keeps the suite fast; production defaults are higher.
        password_hash_memory_kib=19456,
        password_hash_time_cost=2,
        password_hash_parallelism=1,
    )


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    platform = Platform.from_settings(settings)
    yield platform
    platform.engine.dispose()


@pytest.fixture
def engine(platform: Platform) -> Engine:
    return platform.engine


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(platform=platform, run_broker=False, run_jobs=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https: session cookies are Secure and would not be sent back over plain http.
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    """More independent browsers against the same app (one per user)."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        test_client = TestClient(app, base_url="https://testserver")
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


@dataclass
class World:
    """Two municipalities of one region with staff in every role, built through the services."""

    platform: Platform
    dresden: Municipality
    radebeul: Municipality
    accounts: dict[str, UserAccount]

    def system(self) -> Any:
        return transaction(self.platform.sessions, **{SCOPE_KEY: SYSTEM})

    def tenant(self, municipality: Municipality) -> Any:
        return transaction(self.platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)})

    def api_key(self, municipality: Municipality, *scopes: str) -> str:
        with self.tenant(municipality) as db:
            _, secret = apikeys.create_api_key(
                db, name="test device", scopes=list(scopes), actor="test", grantor=None
            )
        return secret


STAFF = [
    ("dd.admin", Role.ADMIN, "dresden", None),
    ("dd.clerk.a", Role.CASE_WORKER, "dresden", "Bürgeramt"),
    ("dd.clerk.b", Role.CASE_WORKER, "dresden", "Ordnungsamt"),
    ("dd.operator", Role.OPERATOR, "dresden", None),
    ("dd.steward", Role.DATA_STEWARD, "dresden", None),
    ("dd.auditor", Role.AUDITOR, "dresden", None),
    ("dd.press", Role.COMMUNICATIONS, "dresden", None),
    ("rb.admin", Role.ADMIN, "radebeul", None),
    ("region.admin", Role.REGION_ADMIN, None, None),
]


class _StaffPasswords(PasswordHashing):
    """The platform's password hashing, with each password hashed once per test process for
    the world's staff: nine accounts at about 25 ms of argon2id each added a quarter second to
    every test. The hashes are the platform's own (same parameters), so logins verify them as
    they verify any other."""

    _hashes: ClassVar[dict[tuple[int, int, int, str], str]] = {}

    def __init__(self, platform: Platform) -> None:
        # No PasswordHashing.__init__: the platform's own hashing makes every hash.
        self._platform = platform

    def hash(self, password: str) -> str:
        s = self._platform.settings
        key = (
            s.password_hash_memory_kib,
            s.password_hash_time_cost,
            s.password_hash_parallelism,
            password,
        )
        if key not in self._hashes:
            self._hashes[key] = self._platform.passwords.hash(password)
        return self._hashes[key]

    def verify(self, password_hash: str | None, password: str) -> bool:
        return self._platform.passwords.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._platform.passwords.needs_rehash(password_hash)


@pytest.fixture
def world(platform: Platform) -> World:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        region = tenancy.get_or_create_region(db)
        dresden = tenancy.create_municipality(
            db,
            tenancy.MunicipalityInput(
                "dresden", "Dresden", "14612000", "Europe/Berlin", 51.05, 13.74
            ),
            region,
            reserved=reserved_slugs(),
        )
        radebeul = tenancy.create_municipality(
            db,
            tenancy.MunicipalityInput(
                "radebeul", "Radebeul", "14627210", "Europe/Berlin", 51.11, 13.66
            ),
            region,
            reserved=reserved_slugs(),
        )
        places = {"dresden": dresden, "radebeul": radebeul}
        accounts = {}
        for username, role, place, department in STAFF:
            account = users.create_user(
                db,
                username=username,
                password=PASSWORD,
                actor="test",
                passwords=_StaffPasswords(platform),
            )
            users.assign_role(
                db,
                account,
                role,
                municipality=places.get(place or ""),
                region=region,
                department=department,
                actor="test",
            )
            accounts[username] = account
    return World(platform, dresden, radebeul, accounts)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log the client in; returns the CSRF token and sets it as a default header."""
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


def staff_client(app: Any, username: str) -> TestClient:
    """A browser of a logged-in staff member (HTTPS, so the secure cookie is sent)."""
    client = TestClient(app, base_url="https://testserver")
    login(client, username)
    return client


@pytest.fixture
def operator(app: Any, world: World) -> TestClient:
    return staff_client(app, "dd.operator")


@pytest.fixture
def admin(app: Any, world: World) -> TestClient:
    return staff_client(app, "dd.admin")


@pytest.fixture
def device(app: Any, world: World) -> TestClient:
    """A Dresden device: an API key with scope sta:write."""
    client = TestClient(app, base_url="https://testserver")
    client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    return client


def create_observations(
    client: TestClient, datastream: int, rows: list[tuple[Any, Any]], municipality: str = "dresden"
) -> None:
    """Readings (time, result) of one Datastream through `CreateObservations`."""
    response = client.post(
        f"/{municipality}/sta/v1.1/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    [t.isoformat() if hasattr(t, "isoformat") else t, value] for t, value in rows
                ],
            }
        ],
    )
    assert response.status_code == 201, response.text
    assert "error" not in response.json()


def count(db: Session, model: type[Any]) -> int:
    return len(list(db.scalars(db.query(model).statement)))


MOSQUITTO = ("127.0.0.1", 1883)


@pytest.fixture(scope="session")
def mosquitto_url() -> str:
    """The machine's Mosquitto; skipped where none runs, a failure with CI=true."""
    import socket

    try:
        with socket.create_connection(MOSQUITTO, timeout=3):
            pass
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"CI=true but Mosquitto is not reachable on {MOSQUITTO}: {exc}")
        pytest.skip(f"Mosquitto not reachable: {exc}")
    return f"mqtt://{MOSQUITTO[0]}:{MOSQUITTO[1]}"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SHIPPED_MOSQUITTO_CONF = Path(__file__).parent.parent / "deploy" / "mosquitto" / "smartcity.conf"


@dataclass
class MosquittoProcess:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (again) with the same configuration, port and session store."""
        if self.process.poll() is not None:
            self.process = subprocess.Popen(
                self.process.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("Mosquitto did not start")

    def stop(self) -> None:
        # As a service manager stops it: Mosquitto writes its sessions to disk on SIGTERM.
        self.process.terminate()
        self.process.wait(10)


def mosquitto_binary() -> str:
    """The mosquitto program, for tests that start a broker of their own; skipped where it is
    not installed, a failure with CI=true."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        if IN_CI:
            pytest.fail("CI=true but mosquitto is not installed")
        pytest.skip("mosquitto is not installed")
    return binary


@pytest.fixture
def refusing_broker(tmp_path: Path) -> Iterator[str]:
    """A Mosquitto that lets nobody in."""
    port = free_port()
    conf = tmp_path / "refusing.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n")
    process = subprocess.Popen(
        [mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)
    yield f"mqtt://someone:wrong@127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def shipped_mosquitto(tmp_path: Path) -> Iterator[MosquittoProcess]:
    """A Mosquitto of its own, configured as we ship it (deploy/mosquitto/smartcity.conf),
    so that tests of message safety do not depend on the machine's broker settings."""
    binary = mosquitto_binary()
    port = free_port()
    store = tmp_path / "mosquitto"
    store.mkdir()
    conf = store / "mosquitto.conf"
    # Started as root, Mosquitto would drop to its own user, which cannot reach the test's
    # directory to save its sessions; it stays the user the tests run as.
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence_location {store}/\n"
        f"user {getpass.getuser()}\n" + SHIPPED_MOSQUITTO_CONF.read_text()
    )
    broker = MosquittoProcess(
        port,
        subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ),
    )
    broker.start()
    yield broker
    broker.stop()


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA of our own (as a city's internal PKI) and a certificate it signed for 127.0.0.1:
    the CA file, the broker's certificate and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Stadt Test CA"))
        .issuer_name(name("Stadt Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(name("broker"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "broker.pem", directory / "broker.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_mosquitto(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Mosquitto speaking only mqtts, with a certificate from a CA no system trusts."""
    ca, certificate, key = _certificates(tmp_path)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\ncafile {ca}\n"
        f"certfile {certificate}\nkeyfile {key}\nuser {getpass.getuser()}\n"
    )
    broker = MosquittoProcess(
        port,
        subprocess.Popen(
            [mosquitto_binary(), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    )
    broker.start()
    yield port, ca
    broker.stop()
