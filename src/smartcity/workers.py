"""Several HTTP worker processes, each listening on a socket of its own (SO_REUSEPORT).

uvicorn's own supervisor hands one listening socket to all workers. Then whichever process is
waiting in accept() first takes the next connection, and with long-lived keep-alive
connections (a reverse proxy's pool, a load generator) one process sometimes ends up with most
of them while the other idles: the submission benchmark then ran at half its rate
(docs/performance.md). With a socket per worker the kernel spreads new connections evenly.

The parent only starts the workers, starts another when one dies, and stops them all on
SIGTERM or SIGINT. The workers' metrics are merged for `/metrics` through
`PROMETHEUS_MULTIPROC_DIR` (prometheus_client's multiprocess mode): the operator's directory,
emptied at start, or one of our own, removed at the end.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import uvicorn
from prometheus_client import multiprocess

from smartcity.core.http.health import METRICS_DIRECTORY
from smartcity.core.mqtt import port_free
from smartcity.core.settings import SettingsError

log = logging.getLogger(__name__)

# A worker that dies sooner than this after its start is failing, not crashing now and then:
# after a few such deaths in a row the server stops instead of restarting it forever.
EARLY_DEATH_SECONDS = 10.0
EARLY_DEATHS_ALLOWED = 3
STOP_TIMEOUT_SECONDS = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _serve(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own socket, its own app (built from the environment)."""
    sock = listening_socket(host, port)
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def shared_metrics() -> Iterator[Path]:
    """A directory where every worker writes its metrics and from which `/metrics` sums
    them, whichever worker answers (set in the environment the workers inherit)."""
    given = os.environ.get(METRICS_DIRECTORY)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="smartcity-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for left in directory.glob("*.db"):  # a previous run's: counters would start from them
        left.unlink()
    os.environ[METRICS_DIRECTORY] = str(directory)
    try:
        yield directory
    finally:
        if given is None:
            del os.environ[METRICS_DIRECTORY]
            shutil.rmtree(directory, ignore_errors=True)


def run_workers(app: str, count: int, host: str, port: int, options: dict[str, Any]) -> None:
    # Checked first: a second instance on the same port would not fail to bind, its sockets
    # would join ours and the two would silently share the traffic.
    if not port_free(host, port):
        raise SettingsError(f"Port {port} on {host} is taken; set SMARTCITY_PORT to a free one.")
    with shared_metrics():
        _supervise(app, count, host, port, options)


def _supervise(app: str, count: int, host: str, port: int, options: dict[str, Any]) -> None:
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda _signum, _frame: stop.set())

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(target=_serve, args=(app, host, port, options))
        process.start()
        return process, time.monotonic()

    workers = [start() for _ in range(count)]
    early_deaths = 0
    try:
        while not stop.wait(0.5):
            for slot, (process, started) in enumerate(workers):
                if process.is_alive():
                    continue
                if process.pid is not None:  # its gauges stop counting
                    multiprocess.mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
                early = time.monotonic() - started < EARLY_DEATH_SECONDS
                early_deaths = early_deaths + 1 if early else 0
                log.warning(
                    "worker process died; starting another",
                    extra={"exitcode": process.exitcode, "early": early},
                )
                if early_deaths > EARLY_DEATHS_ALLOWED:
                    raise SettingsError("Worker processes keep dying at start; see the log.")
                workers[slot] = start()
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes open requests, then exits
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process, _ in workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
