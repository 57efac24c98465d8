"""A Photon-compatible geocoder on 127.0.0.1 for the address-search tests: it answers
`/api?q=…` from a few Dresden addresses (and one in Cottbus, outside Dresden's area), or, as
`mode` says, not at all, slowly, with garbage or an error. It records the queries it got."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def feature(lon: float, lat: float, **properties: str) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"osm_type": "N", "country": "Deutschland", **properties},
    }


ADDRESSES = [
    feature(13.7385, 51.0505, street="Altmarkt", housenumber="1", postcode="01067", city="Dresden"),
    feature(14.3329, 51.7606, street="Altmarkt", postcode="03046", city="Cottbus"),
    feature(
        13.7322,
        51.0512,
        name="Kulturpalast",
        street="Schloßstraße",
        housenumber="2",
        postcode="01067",
        city="Dresden",
    ),
]


@dataclass
class Photon:
    url: str
    # "ok", "error" (500), "garbage" (not JSON), "slow" (stalls after the headers), "drop"
    # (closes the connection without an answer).
    mode: str = "ok"
    queries: list[dict[str, list[str]]] = field(default_factory=list)


@contextlib.contextmanager
def photon_server() -> Iterator[Photon]:
    lock = threading.Lock()
    holder: list[Photon] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            with lock:
                holder[0].queries.append(query)
                mode = holder[0].mode
            if mode == "drop":
                self.close_connection = True
                return
            if parts.path != "/api" or mode == "error":
                self.send_error(500 if mode == "error" else 404)
                return
            if mode == "garbage":
                body = b"<html>Bad Gateway</html>"
            else:
                words = (query.get("q") or [""])[0].lower().split()
                found = [
                    f
                    for f in ADDRESSES
                    if words and all(w in json.dumps(f, ensure_ascii=False).lower() for w in words)
                ]
                body = json.dumps({"type": "FeatureCollection", "features": found}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if mode == "slow":
                time.sleep(5)
            with contextlib.suppress(OSError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    holder.append(Photon(f"http://127.0.0.1:{httpd.server_address[1]}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
