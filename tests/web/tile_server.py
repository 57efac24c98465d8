"""A map tile server on 127.0.0.1 for the browser tests and `make screenshots`: it answers every
`/{z}/{x}/{y}.png` with the tile in `tiles/tile.png`, so that maps show a background and no
request leaves the machine. It counts what it served."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TILE = (Path(__file__).parent / "tiles" / "tile.png").read_bytes()
TILE_PATH = re.compile(r"^/(\d{1,2})/(\d{1,7})/(\d{1,7})\.png$")


@dataclass
class TileServer:
    origin: str
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The tile URL template for SMARTCITY_MAP_TILE_URL."""
        return self.origin + "/{z}/{x}/{y}.png"


@contextlib.contextmanager
def tile_server() -> Iterator[TileServer]:
    lock = threading.Lock()
    holder: list[TileServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = TILE_PATH.match(self.path)
            with lock:
                (holder[0].served if found else holder[0].refused).append(self.path)
            if not found:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE)))
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            self.wfile.write(TILE)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    holder.append(TileServer(f"http://127.0.0.1:{httpd.server_address[1]}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
