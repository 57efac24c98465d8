"""Open311's two formats: JSON, and XML with the element names of GeoReport v2 (a list of
`attributes` holds `attribute` elements, and so on). Errors in the spec's shape:
`[{"code": 404, "description": "…"}]` / `<errors><error><code>…`; `answer` puts the
platform's own errors (ServiceError) into that shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import Response

from smartcity.core.errors import ServiceError

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    def __init__(
        self,
        status: int,
        description: str,
        fmt: str = "json",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.fmt = fmt
        self.headers = headers or {}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        # The format is unknown, so the answer comes in JSON.
        raise Open311Error(400, "The format must be json or xml, e.g. services.json.")
    return fmt


def answer(fmt: str, work: Callable[[], Response]) -> Response:
    """Our errors, in Open311's shape and the requested format."""
    check_format(fmt)
    try:
        return work()
    except Open311Error as error:
        error.fmt = fmt
        raise
    except ServiceError as error:
        raise in_open311_shape(error, fmt) from error


def in_open311_shape(error: ServiceError, fmt: str) -> Open311Error:
    # Open311 answers every bad request with 400; a rate limit or an outage says when to
    # come back, as in every other API of ours.
    status = 400 if error.status == 422 else error.status
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Open311Error(status, str(error), fmt, headers)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if key in ITEM_TAGS and isinstance(value, list):
            for item in value:
                entry = ET.SubElement(child, ITEM_TAGS[key])
                if isinstance(item, dict):
                    _fill(entry, item)
                else:
                    entry.text = _text(item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def render(
    fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200
) -> Response:
    """`data` is a list of objects (rendered as `<root><item>…`) or one object (`<root>…`)."""
    if fmt == "json":
        return Response(
            json.dumps(data, ensure_ascii=False, default=str), status, media_type=FORMATS["json"]
        )
    top = ET.Element(root)
    if isinstance(data, list):
        assert item is not None
        for entry in data:
            _fill(ET.SubElement(top, item), entry)
    else:
        _fill(top, data)
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, status, media_type=FORMATS["xml"])


def error_response(error: Open311Error) -> Response:
    entries = [{"code": error.status, "description": error.description}]
    fmt = error.fmt if error.fmt in FORMATS else "json"
    response = render(fmt, entries, root="errors", item="error", status=error.status)
    response.headers.update(error.headers)
    return response


def handle(_request: Any, error: Exception) -> Response:
    assert isinstance(error, Open311Error)
    return error_response(error)
