"""`smartcity demo` as a newcomer runs it: a real process that prepares the demo and answers.
How long that takes is measured, not asserted here (docs/performance.md, "Demo start"): a test
that times it fails on a loaded machine without telling anything about the code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTCITY_")}
    env.update({"SMARTCITY_DATA_DIR": str(tmp_path / "demo"), **extra})
    return env


def test_demo_prepares_its_data_and_serves(tmp_path: Path) -> None:
    port, mqtt_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smartcity", "demo"],
        env=_env(tmp_path, SMARTCITY_PORT=str(port), SMARTCITY_MQTT_PORT=str(mqtt_port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Only a bound for a hung start (the suite's other workers share the cores).
        deadline = time.monotonic() + 180
        healthy = False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                time.sleep(0.3)
        assert healthy, "demo did not answer /healthz within 180 s"
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
        assert ready["ready"] is True
        parks = httpx.get(f"http://127.0.0.1:{port}/dresden/api/v1/parking/car-parks").json()
        assert len(parks) == 57
        things = httpx.get(f"http://127.0.0.1:{port}/dresden/sta/v1.1/Things?$top=100").json()
        names = {t["name"] for t in things["value"]}
        assert {"Prager Straße 1", "Bank Altmarkt", "Parkhaus-Zähler Altmarkt"} <= names
        benches = httpx.get(f"http://127.0.0.1:{port}/dresden/api/v1/benches").json()
        assert all(b["air_quality"]["eaqi"] for b in benches)
        lots = httpx.get(f"http://127.0.0.1:{port}/dresden/parkendd/").json()["lots"]
        assert next(lot for lot in lots if lot["id"] == "dresdenaltmarkt")["forecast"] is True
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    match = re.search(r"dresden\.admin\s+(\S+)\s+admin", output)
    assert match, output
    assert "Dresden: 57 car parks" in output


def test_demo_is_repeatable_and_keeps_its_passwords(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path, SMARTCITY_PORT=str(port))

    def prepare() -> str:
        command = [sys.executable, "-m", "smartcity", "demo", "--no-serve"]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout

    first, second = prepare(), prepare()
    password = re.search(r"dresden\.admin\s+(\S+)", first)
    assert password
    # the second run keeps data and passwords (it does not import the car parks twice)
    assert password.group(1) in second
    # the banner leads to the pages and says where the logins are kept
    base = f"http://127.0.0.1:{port}"
    assert f"Citizen portal:     {base}/dresden/\n" in first
    assert f"Staff login:        {base}/anmelden " in first
    credentials = (tmp_path / "demo" / "demo-credentials.json").resolve()
    assert f"these logins are also in {credentials}" in first
    assert "SMARTCITY_PORT=" in first
    assert "car parks imported" not in second
    assert (tmp_path / "demo" / "demo-credentials.json").stat().st_mode & 0o077 == 0
