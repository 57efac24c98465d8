"""The leisure module's own static files, served by us under `/static/leisure/`: the staff
scanner page's script and the vendored QR code reader (`zxing-wasm`, MIT; its version and
licence beside it, updated by `make zxing`, docs/leisure.md)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, Response

from smartcity.core.errors import NotFound
from smartcity.core.http.deps import public
from smartcity.core.web.i18n import gettext_

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    # WebAssembly is compiled while it downloads only when served with its own type.
    ".wasm": "application/wasm",
}

assets = APIRouter(include_in_schema=False)


@assets.get("/static/leisure/{name:path}", dependencies=[Depends(public)])
def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise NotFound(gettext_("This page or entry does not exist."))
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
