"""The OCI image, built and run as an operator would: on a base made from Debian packages (no
registry here), migrations as their own run, then `smartcity serve` on a read-only root file
system as a numeric non-root user against the machine's PostgreSQL and Mosquitto; SIGTERM
stops it without losing what it had accepted.

Runs in CI (CI=true; .ci/run installs podman and mmdebstrap) and elsewhere with
SMARTCITY_TEST_OCI=1, skipped there without podman and mmdebstrap. The base image and the
dependencies' wheels are cached between runs (SMARTCITY_OCI_CACHE, default
/var/cache/smartcity-oci when writable).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, text

from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, free_port
from tests.deploy.test_supply_chain import locked

ROOT = Path(__file__).resolve().parents[2]
PODMAN = [
    "podman",
    "--runtime",
    "runc",
    "--cgroup-manager",
    "cgroupfs",
    "--storage-driver",
    "vfs",
]


def _limits() -> list[str]:
    """Explicit ulimits (podman's defaults are refused on these machines), within ours."""
    import resource

    files = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 65536)
    processes = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], 8192)
    return ["--ulimit", f"nofile={files}:{files}", "--ulimit", f"nproc={processes}:{processes}"]


TAG = "localhost/smartcity:ci-test"
MQTT_MESSAGES = 300
HTTP_OBSERVATIONS = 20

THING = {
    "name": "Pegel Augustusbrücke",
    "description": "Wasserstand der Elbe",
    # Observations without a FeatureOfInterest take it from the Thing's Location.
    "Locations": [
        {
            "name": "Augustusbrücke",
            "description": "Pegel an der Augustusbrücke",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [13.7407, 51.0547]},
        }
    ],
    "Datastreams": [
        {
            "name": "Wasserstand",
            "description": "Pegel in cm",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {"name": "centimetre", "symbol": "cm", "definition": "ucum:cm"},
            "Sensor": {
                "name": "Radar",
                "description": "Radarpegel",
                "encodingType": "text/plain",
                "metadata": "radar",
            },
            "ObservedProperty": {
                "name": "Wasserstand",
                "definition": "https://example.org/water-level",
                "description": "Wasserstand",
            },
        }
    ],
}


def _cache_dir() -> Path:
    configured = os.environ.get("SMARTCITY_OCI_CACHE")
    if configured:
        return Path(configured)
    shared = Path("/var/cache/smartcity-oci")
    if os.access(shared.parent, os.W_OK):
        return shared
    return Path.home() / ".cache" / "smartcity-oci"


def _sbom_path() -> Path:
    """Where deploy/oci/build.sh writes the image's SBOM, next to the build's cache."""
    return _cache_dir() / "smartcity-image.cdx.json"


def podman(*args: str, check: bool = True, timeout: float = 300) -> str:
    finished = subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and finished.returncode != 0:
        raise AssertionError(f"podman {args[0]} failed: {finished.stderr[-3000:]}")
    return finished.stdout


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    wanted = os.environ.get("SMARTCITY_TEST_OCI", "1" if IN_CI else "0")
    if wanted != "1":
        # Always in CI; on a developer's machine it needs root podman and minutes, so opt-in.
        pytest.skip("set SMARTCITY_TEST_OCI=1 to build and run the OCI image (minutes)")
    missing = [tool for tool in ("podman", "mmdebstrap") if shutil.which(tool) is None]
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true but {', '.join(missing)} missing (.ci/run installs them)")
        pytest.skip(f"{', '.join(missing)} not installed")
    env = {
        **os.environ,
        "PODMAN": " ".join(PODMAN),
        "PYTHON": str(ROOT / ".venv" / "bin" / "python"),
        "BASE_IMAGE": "debian",
        "SMARTCITY_OCI_CACHE": str(_cache_dir()),
        "SBOM_OUTPUT": str(_sbom_path()),
    }
    started = time.monotonic()
    subprocess.run(
        [str(ROOT / "deploy" / "oci" / "build.sh"), TAG],
        env=env,
        check=True,
        capture_output=True,
        timeout=1500,
    )
    print(f"image built in {time.monotonic() - started:.0f} s")
    yield TAG
    podman("rmi", "--force", TAG, check=False)
    podman("image", "prune", "--force", check=False)


@pytest.mark.timeout(1800)  # the first test of the module builds the image
def test_the_build_writes_the_image_sbom(image: str) -> None:
    """The SBOM next to the image names what the image holds: its Debian packages (python3
    of the base) and its Python distributions, at the versions requirements.lock pins."""
    text = _sbom_path().read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document = json.loads(text)
    digest = podman("image", "inspect", "--format", "{{.Digest}}", image).strip()
    assert document["metadata"]["component"]["purl"].startswith(f"pkg:oci/smartcity@{digest}")
    versions = {c["name"]: c.get("version") for c in document["components"]}
    purls = [c.get("purl", "") for c in document["components"]]
    assert any(purl.startswith("pkg:deb/debian/python3@") for purl in purls)
    assert any(purl.startswith("pkg:deb/debian/libc6@") for purl in purls)
    python = podman("run", "--rm", *_limits(), "--entrypoint", "python3", image, "--version")
    assert python.split()[1].startswith(versions["python3"].split("-")[0])  # 3.11.2-1+b1
    pins = locked()
    assert versions["SQLAlchemy"] == pins["sqlalchemy"][0]
    assert versions["fastapi"] == pins["fastapi"][0]
    labels = json.loads(podman("image", "inspect", "--format", "{{json .Labels}}", image))
    assert versions["smartcity"] == labels["org.opencontainers.image.version"]


@pytest.fixture
def database() -> Iterator[str]:
    name = f"smartcity_oci_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("+psycopg", "") + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait_ready(base: str, container: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    logs = podman("logs", container, check=False)
    raise AssertionError(f"not ready within {seconds} s:\n{logs[-3000:]}")


def _count(url: str, datastream: int) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        found = connection.scalar(
            text("SELECT count(*) FROM sta_observation WHERE datastream_id = :d"),
            {"d": datastream},
        )
    engine.dispose()
    return int(found or 0)


def _publish(topic: str, count: int) -> None:
    """QoS 1 messages, each acknowledged by the broker before this returns."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        infos = [
            client.publish(topic, json.dumps({"result": i, "resultTime": None}), qos=1)
            for i in range(count)
        ]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()


@pytest.mark.postgres
@pytest.mark.timeout(1800)
def test_image_migrates_serves_and_stops_cleanly(image: str, database: str, tmp_path: Path) -> None:
    data = tmp_path / "volume"
    data.mkdir()
    os.chown(data, 10001, 10001)
    secret = tmp_path / "secret_key"
    secret.write_text("k" * 48 + "\n")
    secret.chmod(0o644)
    port = free_port()
    name = f"smartcity-test-{uuid.uuid4().hex[:8]}"
    common = [
        "--network",
        "host",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,size=64m,mode=1777",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        *_limits(),
        "--volume",
        f"{data}:/var/lib/smartcity",
        "--volume",
        f"{secret}:/run/secrets/secret_key:ro",
        "--env",
        "SMARTCITY_SECRET_KEY_FILE=/run/secrets/secret_key",
        "--env",
        f"SMARTCITY_DATABASE_URL={database}",
        "--env",
        "SMARTCITY_MQTT_URL=mqtt://127.0.0.1:1883",
        "--env",
        f"SMARTCITY_INSTANCE_NAME={name}",
        # A share group of its own: Mosquitto hands a shared subscription's messages in turn
        # to every session of the group, connected or not, and the machine's broker holds
        # sessions of other runs (docs/mqtt.md); they would keep their share of ours.
        "--env",
        f"SMARTCITY_MQTT_SHARE_GROUP=t{uuid.uuid4().hex[:12]}",
        "--env",
        "SMARTCITY_MQTT_SESSION_EXPIRY=600",
        "--env",
        f"SMARTCITY_PORT={port}",
        "--env",
        "SMARTCITY_HOST=127.0.0.1",
        "--env",
        "SMARTCITY_PASSWORD_HASH_MEMORY_KIB=19456",
    ]
    # The migration job (and first administration) as its own run of the image.
    job = podman(
        "run",
        "--rm",
        *common,
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        "smartcity migrate && "
        "smartcity tenant create dresden --name Dresden --ags 14612000 && "
        "smartcity apikey create --tenant dresden --scope sta:write --scope sta:read",
    )
    key = job.strip().splitlines()[-1]
    assert "database at revision" in job

    base = f"http://127.0.0.1:{port}"
    podman("run", "--detach", "--name", name, *common, "--env", "SMARTCITY_WORKERS=2", image)
    try:
        _wait_ready(base, name)
        assert podman("exec", name, "id", "-u").strip() == "10001"
        page = httpx.get(f"{base}/dresden/", headers={"Accept-Language": "de"})
        assert page.status_code == 200
        assert "Dresden" in page.text

        auth = {"Authorization": f"Bearer {key}"}
        sta = f"{base}/dresden/sta/v1.1"
        created = httpx.post(f"{sta}/Things", json=THING, headers=auth)
        assert created.status_code == 201, created.text
        streams = httpx.get(created.headers["Location"] + "/Datastreams", headers=auth).json()
        datastream = streams["value"][0]["@iot.id"]
        for i in range(HTTP_OBSERVATIONS):
            answer = httpx.post(
                f"{sta}/Datastreams({datastream})/Observations", json={"result": i}, headers=auth
            )
            assert answer.status_code == 201, answer.text

        # Device messages still arriving while the container is told to stop.
        sender = threading.Thread(
            target=_publish, args=(f"v1.1/Datastreams({datastream})/Observations", MQTT_MESSAGES)
        )
        sender.start()
        time.sleep(0.2)
        podman("stop", "--time", "60", name)
        sender.join(timeout=60)
        state = json.loads(podman("inspect", name))[0]["State"]
        assert state["ExitCode"] == 0, podman("logs", name, check=False)[-3000:]
        logs = podman("logs", name, check=False)
        assert "Traceback" not in logs
        stored_at_stop = _count(database, datastream)
        assert stored_at_stop >= HTTP_OBSERVATIONS, "an acknowledged HTTP POST was lost"

        # What the broker held for the stopped instance's sessions arrives after the restart.
        podman("start", name)
        _wait_ready(base, name)
        total = HTTP_OBSERVATIONS + MQTT_MESSAGES
        deadline = time.monotonic() + 60
        while _count(database, datastream) < total and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _count(database, datastream) == total, podman("logs", name, check=False)[-3000:]
        podman("stop", "--time", "60", name)
    finally:
        podman("rm", "--force", name, check=False)
        _end_sessions(name, workers=2)


def _end_sessions(instance: str, workers: int) -> None:
    """Leave no session of this run at the machine's broker (Clean Start ends it)."""
    for slot in range(workers):
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"smartcity-{instance}-{slot}",
            protocol=mqtt.MQTTv5,
        )
        try:
            client.connect("127.0.0.1", 1883, clean_start=True)
            client.disconnect()
        except OSError:
            pass
