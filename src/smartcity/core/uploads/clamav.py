"""A client for clamd's INSTREAM command (ClamAV's daemon protocol), used when
`SMARTCITY_CLAMAV_URL` names a daemon (`tcp://host:3310` or `unix:///run/clamav/clamd.ctl`).

The protocol is small (a command, length-prefixed chunks, a one-line answer), so it is spoken
here directly; the PyPI clients for it are unmaintained."""

from __future__ import annotations

import socket
import struct
from urllib.parse import urlsplit

CHUNK = 64 * 1024
TIMEOUT = 30


class ScannerUnavailable(RuntimeError):
    """The configured scanner could not be asked; the upload is refused (fail closed)."""


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(parts.path)
        return sock
    if parts.scheme == "tcp":
        return socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 3310), TIMEOUT
        )
    raise ScannerUnavailable(f"unsupported scanner address {parts.scheme}://")


def scan(url: str, data: bytes) -> str | None:
    """The name of the malware found in `data`, or None when clean."""
    try:
        with _connect(url) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                answer += part
    except OSError as exc:
        raise ScannerUnavailable(f"virus scanner not reachable: {type(exc).__name__}") from exc
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if text.endswith("OK"):
        return None
    if text.endswith("FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScannerUnavailable(f"virus scanner answered: {text[:100]}")
