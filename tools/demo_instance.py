"""The demo region served from a temporary directory on a free port, for the tools that look
at a running instance from outside (screenshots, the SQL-injection scan)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.demo import create_demo_data


@dataclass(frozen=True)
class DemoInstance:
    base_url: str
    data_dir: Path
    platform: Platform

    def password(self, username: str) -> str:
        passwords: dict[str, str] = json.loads(
            (self.data_dir / "demo-credentials.json").read_text()
        )
        return passwords[username]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def demo_instance(prefix: str, **settings: Any) -> Iterator[DemoInstance]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"smartcity-{prefix}-"))
    platform = Platform.from_settings(
        Settings(
            data_dir=data_dir,
            secret_key=f"{prefix}-" + "x" * 40,
            log_level="WARNING",
            **settings,
        )
    )
    print("Building the demo data …")
    with contextlib.redirect_stdout(io.StringIO()):
        create_demo_data(platform)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(platform=platform, run_broker=False, run_jobs=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield DemoInstance(f"http://127.0.0.1:{port}", data_dir, platform)
    finally:
        server.should_exit = True
        thread.join(10)
        platform.engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
