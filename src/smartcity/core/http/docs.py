"""OpenAPI documentation served entirely by us: Swagger UI 5 (it reads OpenAPI 3.1, which our
document is) is vendored in `swagger-ui/` (see its README), and the page loads no inline script
(our CSP forbids it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from smartcity.core.http.deps import public

SWAGGER_UI = Path(__file__).parent / "swagger-ui"

router = APIRouter(include_in_schema=False, dependencies=[Depends(public)])

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Smart City platform API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="/api/openapi.json"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""


@router.get("/api/docs")
async def docs_page() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


@router.get("/api/docs/init.js")
async def docs_init() -> Response:
    script = resources.files("smartcity.core.http").joinpath("swagger_init.js").read_text()
    return Response(script, media_type="text/javascript")


def swagger_static() -> StaticFiles:
    return StaticFiles(directory=str(SWAGGER_UI))
