"""The platform as its own process (`smartcity serve`), for tests that kill it with -9 and
start it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from smartcity.core.settings import Settings
from tests.conftest import MosquittoProcess, free_port


class Server:
    def __init__(self, settings: Settings, broker: MosquittoProcess | None, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SMARTCITY_DATA_DIR": str(settings.data_dir),
            "SMARTCITY_DATABASE_URL": settings.effective_database_url,
            "SMARTCITY_SECRET_KEY": "test-secret-" + "x" * 40,
            "SMARTCITY_PORT": str(self.port),
            # Without an external broker, the embedded one on a port of its own.
            "SMARTCITY_MQTT_URL": broker.url if broker else "",
            "SMARTCITY_MQTT_PORT": str(free_port()),
            "SMARTCITY_INSTANCE_NAME": "crash-test",
            "SMARTCITY_MQTT_SESSION_EXPIRY": "300",
            "SMARTCITY_LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        # Warnings and errors of the server, for when a run goes wrong.
        self.log = settings.data_dir.parent / "server.log"

    def start(self) -> None:
        settings_dir = Path(self.env["SMARTCITY_DATA_DIR"])
        settings_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smartcity", "serve"], env=self.env, stdout=log, stderr=log
            )
        for _ in range(300):
            try:
                if httpx.get(f"{self.base}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not become ready")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        # pytest shows what a test wrote to stderr when it failed: the server's warnings and
        # errors (a 500 names its exception only here).
        if self.log.exists():
            sys.stderr.write(self.log.read_text(errors="replace")[-4000:])
