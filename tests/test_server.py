"""Starting the server: a taken MQTT port is explained, not a traceback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smartcity.core.platform import Platform
from smartcity.core.settings import Settings, SettingsError
from smartcity.server import choose_broker_port


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        yield blocker.getsockname()[1]


def test_serve_names_the_taken_port_and_the_ways_out(tmp_path: Path, taken_port: int) -> None:
    platform = Platform.from_settings(Settings(data_dir=tmp_path, mqtt_port=taken_port))
    with pytest.raises(SettingsError) as raised:
        choose_broker_port(platform)
    message = str(raised.value)
    assert str(taken_port) in message
    assert "SMARTCITY_MQTT_PORT" in message
    assert "SMARTCITY_MQTT_URL" in message


def test_demo_moves_to_the_next_free_port(
    tmp_path: Path, taken_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, mqtt_port=taken_port, demo_mode=True)
    choose_broker_port(Platform.from_settings(settings))
    assert settings.mqtt_port > taken_port
    assert f"MQTT port {taken_port} is taken" in capsys.readouterr().out


def test_external_broker_needs_no_local_port(tmp_path: Path, taken_port: int) -> None:
    settings = Settings(
        data_dir=tmp_path, mqtt_port=taken_port, mqtt_url=f"mqtt://127.0.0.1:{taken_port}"
    )
    choose_broker_port(Platform.from_settings(settings))
    assert settings.mqtt_port == taken_port


def test_several_workers_need_an_external_broker(tmp_path: Path) -> None:
    from smartcity.server import run_server

    platform = Platform.from_settings(Settings(data_dir=tmp_path, workers=2, secret_key="s" * 40))
    with pytest.raises(SettingsError, match="SMARTCITY_MQTT_URL"):
        run_server(platform)


def test_several_workers_need_a_shared_subscription(tmp_path: Path) -> None:
    from smartcity.server import run_server

    settings = Settings(
        data_dir=tmp_path,
        workers=2,
        secret_key="s" * 40,
        mqtt_url="mqtt://127.0.0.1:1883",
        mqtt_share_group="",
    )
    with pytest.raises(SettingsError, match="SMARTCITY_MQTT_SHARE_GROUP"):
        run_server(Platform.from_settings(settings))


def test_several_worker_processes_serve(tmp_path: Path, mosquitto_url: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTCITY_")}
    env.update(
        {
            "SMARTCITY_DATA_DIR": str(tmp_path),
            "SMARTCITY_PORT": str(port),
            "SMARTCITY_WORKERS": "2",
            "SMARTCITY_MQTT_URL": mosquitto_url,
            "SMARTCITY_SECRET_KEY": "s" * 40,
            # Sessions of its own at the machine's broker, which other tests share.
            "SMARTCITY_INSTANCE_NAME": f"test-{port}",
            "SMARTCITY_MQTT_SHARE_GROUP": f"test-{port}",
            "SMARTCITY_MQTT_SESSION_EXPIRY": "300",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "smartcity", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Two workers import the app and migrate at start; under the parallel suite with the
        # image build beside it that once took longer than 30 s.
        deadline, ready = time.monotonic() + 120, None
        while time.monotonic() < deadline and ready is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None, "no answer within 120 s"
        assert ready["ready"] is True
        # /metrics counts every worker's requests, whichever worker answers.
        counts = _metrics_requests_counted(port)
        assert counts == list(range(counts[0], counts[0] + len(counts)))
        # A worker that dies is replaced, and the others serve meanwhile.
        first = _worker_pids(process.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(set(_worker_pids(process.pid)) - {first[0]}) < 2:
            time.sleep(0.3)
        assert len(set(_worker_pids(process.pid)) - {first[0]}) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0 or "Finished server process" in output
    # Each worker listens on a socket of its own: new connections reached both.
    answered_by = {
        entry["process"]
        for entry in _log_entries(output)
        if entry.get("message") == "request" and entry.get("route") == "/metrics"
    }
    assert answered_by == set(first)


def _log_entries(output: str) -> list[dict[str, Any]]:
    entries = []
    for line in output.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # uvicorn's own lines
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _worker_pids(parent: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent) and b"spawn_main" in command:
            found.append(int(status.parent.name))
    return sorted(found)


def _metrics_requests_counted(port: int, requests: int = 20) -> list[int]:
    """The count of /metrics requests that /metrics shows, asked over a new connection each
    time (so that the kernel spreads them over the workers)."""
    import re

    import httpx

    counts = []
    for _ in range(requests):
        with httpx.Client() as fresh:
            text = fresh.get(f"http://127.0.0.1:{port}/metrics").text
        found = re.search(
            r'smartcity_http_requests_total\{[^}]*route="/metrics"[^}]*\} (\S+)', text
        )
        counts.append(int(float(found.group(1))) if found else 0)
    return counts
