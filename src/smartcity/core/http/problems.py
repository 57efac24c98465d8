"""RFC 9457 problem details for our own APIs. Standards with their own error format
(SensorThings, Open311) install their own handlers for their paths."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from smartcity.core.errors import ServiceError, ServiceUnavailable, TooManyRequests
from smartcity.core.tenancy.scope import CrossTenantWrite
from smartcity.core.web.i18n import gettext_

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://smartcity.invalid/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def _page_error(
    request: Request, status: int, detail: str, headers: dict[str, str] | None
) -> Response | None:
    """Web pages answer errors with an HTML page: their router leaves a renderer here."""
    renderer = getattr(request.state, "error_page", None)
    return renderer(request, status, detail, headers) if renderer is not None else None


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + type_slug if type_slug != "about:blank" else type_slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    headers = None
    if isinstance(exc, TooManyRequests | ServiceUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    if exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="smartcity", Basic realm="smartcity"'}
    page = _page_error(request, exc.status, exc.detail, headers)
    if page is not None:
        return page
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        type_slug=exc.type_slug,
        headers=headers,
        errors=exc.errors,
        instance=request.url.path,
    )


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, str] = {}
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        errors[location or "body"] = str(error.get("msg", "invalid"))
    page = _page_error(request, 422, "; ".join(errors.values()), None)
    if page is not None:
        return page
    return problem(
        422,
        "Invalid input",
        "The request does not have the expected shape; see 'errors'.",
        type_slug="invalid-input",
        errors=errors,
    )


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    headers = dict(exc.headers) if exc.headers else None
    page = _page_error(request, exc.status_code, "", headers)
    if page is not None:
        return page
    if exc.status_code == 404 and _browser_page(request):
        # A mistyped page address matches no route, so no page left its renderer: a person
        # still gets the error page in their language, not problem JSON.
        from smartcity.core.web.deps import error_page  # the web layer imports this module

        return error_page(request, 404, "", headers)
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        str(exc.detail),
        headers=dict(exc.headers) if exc.headers else None,
    )


def _browser_page(request: Request) -> bool:
    """A browser asking for a page (API clients do not ask for HTML first)."""
    accept = request.headers.get("accept", "")
    return request.method == "GET" and accept.startswith("text/html")


def _cross_tenant(request: Request, exc: Exception) -> Response:
    # A link to another municipality's object: to the caller it simply does not exist.
    return problem(404, "Not found", "The referenced object does not exist.", type_slug="not-found")


def _stale(request: Request, exc: Exception) -> Response:
    # A row with a version column (version_id_col) changed between reading and writing: the
    # other writer won; the caller reloads. Raised at any flush, so it is handled here once.
    detail = gettext_("Someone else changed this entry at the same time. Please reload it.")
    page = _page_error(request, 412, detail, None)
    if page is not None:
        return page
    return problem(
        412,
        "Precondition failed",
        "Der Datensatz wurde gleichzeitig geändert. Bitte laden Sie ihn neu.",
        type_slug="precondition-failed",
        instance=request.url.path,
    )


DATABASE_RETRY_AFTER = 5


def _database_unavailable(request: Request, exc: Exception) -> Response:
    # A lost or refused connection, a full pool, a locked SQLite file: the request may
    # succeed in a moment, so it is a 503 the client can retry, not an internal error.
    # The pool checks connections before use (pool_pre_ping), so service resumes by itself.
    log.warning(
        "database unavailable",
        extra={"error": type(exc).__name__, "path_template": _route_template(request)},
    )
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    detail = "The database is not reachable at the moment; please try again in a few seconds."
    page = _page_error(request, 503, "", headers)  # the page's own words, in its language
    if page is not None:
        return page
    return problem(
        503, "Service unavailable", detail, type_slug="service-unavailable", headers=headers
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc, extra={"path_template": _route_template(request)})
    page = _page_error(request, 500, "", None)
    if page is not None:
        return page
    return problem(500, "Internal error", "Something went wrong on our side; it was logged.")


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(CrossTenantWrite, _cross_tenant)
    app.add_exception_handler(StaleDataError, _stale)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
