"""Checking a file the data officer uploads for a dataset: the platform's upload checks
(size, a harmless name, PDF by its content, the virus scanner where one is configured) plus
the open formats that magic numbers cannot tell apart — CSV, JSON and GeoJSON are parsed,
an XLSX file must be a workbook."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import orjson

from smartcity.core.errors import InvalidInput, ServiceUnavailable
from smartcity.core.uploads import clamav
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.services import UnsupportedMediaType, UploadLimits

BY_EXTENSION = {
    ".csv": "CSV",
    ".json": "JSON",
    ".geojson": "GEOJSON",
    ".pdf": "PDF",
    ".xlsx": "XLSX",
}


def _wrong(name: str, kind: str) -> UnsupportedMediaType:
    # One fixed text (translated on the page); the file and the format are in the form.
    return UnsupportedMediaType("The content of the file does not match its extension.")


def check(limits: UploadLimits, name: str, data: bytes) -> tuple[str, str]:
    """(a name safe to show, the EU file-type code) of an acceptable file."""
    uploads.check_size(limits, len(data))
    shown = uploads.safe_name(name)
    kind = BY_EXTENSION.get(Path(shown).suffix.lower())
    if kind is None:
        raise UnsupportedMediaType("Accepted: CSV, JSON, GeoJSON, PDF, XLSX.")
    if not data:
        raise InvalidInput("The file is empty.")
    if kind == "PDF":
        uploads.check_content(shown, data, {"application/pdf"})
    elif kind == "XLSX":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as workbook:
                if "xl/workbook.xml" not in workbook.namelist():
                    raise _wrong(shown, kind)
        except zipfile.BadZipFile as exc:
            raise _wrong(shown, kind) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _wrong(shown, kind + " in UTF-8") from exc
        if kind == "CSV":
            try:
                rows = list(csv.reader(io.StringIO(text)))
            except csv.Error as exc:
                raise _wrong(shown, kind) from exc
            if not rows or "\x00" in text:
                raise _wrong(shown, kind)
        else:
            try:
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise _wrong(shown, kind) from exc
            if kind == "GEOJSON" and not (isinstance(parsed, dict) and "type" in parsed):
                raise _wrong(shown, kind)
    if limits.scanner_url:
        try:
            found = clamav.scan(limits.scanner_url, data)
        except clamav.ScannerUnavailable as exc:
            raise ServiceUnavailable("Files cannot be checked right now.", retry_after=60) from exc
        if found is not None:
            raise InvalidInput("The file contains malware and was not stored.")
    return shown, kind
