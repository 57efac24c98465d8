"""Uploads: the content decides the type, names are made harmless, and a configured virus
scanner (clamd's protocol, spoken by a small stand-in daemon here) is asked about each file."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcity.core.errors import InvalidInput, ServiceUnavailable
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.uploads.services import UnsupportedMediaType, safe_name
from tests.conftest import World, free_port

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Answers INSTREAM like clamd: FOUND for the EICAR test string, OK otherwise."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\0"):
                    command += connection.recv(1)
                data = b""
                while True:
                    (size,) = struct.unpack("!L", _exactly(connection, 4))
                    if size == 0:
                        break
                    data += _exactly(connection, size)
                verdict = (
                    b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
                )
                connection.sendall(verdict)

    def close(self) -> None:
        self.server.close()


def _exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += connection.recv(size - len(data))
    return data


@pytest.fixture
def clamd() -> Iterator[FakeClamd]:
    daemon = FakeClamd()
    yield daemon
    daemon.close()


def _store(world: World, name: str, data: bytes, scanner: str = "") -> StoredFile:
    limits = uploads.UploadLimits(max_bytes=1_000_000, max_files=5, scanner_url=scanner)
    with world.tenant(world.dresden) as db:
        stored = uploads.store(
            db,
            data_dir=Path(world.platform.settings.data_dir),
            limits=limits,
            municipality_id=world.dresden.id,
            owner_kind="test",
            owner_id=1,
            name=name,
            data=data,
        )
        db.expunge(stored)
    return stored


def test_names_are_made_harmless() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\erika\\Ausweis.pdf") == "Ausweis.pdf"
    assert safe_name("a\u0000b\nc.pdf") == "abc.pdf"
    assert safe_name(".htaccess") == "htaccess"
    assert safe_name("") == "datei"


def test_files_are_stored_under_generated_names(world: World) -> None:
    stored = _store(world, "Bescheinigung.pdf", PDF)
    path = uploads.path_of(Path(world.platform.settings.data_dir), stored)
    assert path.read_bytes() == PDF
    assert "Bescheinigung" not in str(path)
    assert stored.content_type == "application/pdf"


def test_the_content_must_match_the_extension(world: World) -> None:
    with pytest.raises(UnsupportedMediaType, match="passt nicht zur Endung"):
        _store(world, "foto.jpg", PDF)
    with pytest.raises(UnsupportedMediaType, match="nicht angenommen"):
        _store(world, "script.sh", b"#!/bin/sh\n")
    with pytest.raises(InvalidInput, match="leer"):
        _store(world, "leer.pdf", b"")


def test_the_scanner_refuses_malware_and_passes_clean_files(world: World, clamd: FakeClamd) -> None:
    scanner = f"tcp://127.0.0.1:{clamd.port}"
    assert _store(world, "sauber.pdf", PDF, scanner).scanned is True
    with pytest.raises(InvalidInput, match="Schadsoftware"):
        _store(world, "virus.pdf", PDF + EICAR, scanner)


def test_uploads_are_refused_while_the_scanner_is_away(world: World) -> None:
    with pytest.raises(ServiceUnavailable, match="später"):
        _store(world, "sauber.pdf", PDF, f"tcp://127.0.0.1:{free_port()}")
