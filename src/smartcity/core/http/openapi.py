"""The OpenAPI document says how every operation can fail, as it really does.

FastAPI documents only 200 and a 422 in its own validation-error shape. Our errors are RFC 9457
problem details (`application/problem+json`); SensorThings and Open311 answer their own errors
in their standards' formats, and the platform-wide ones (unknown municipality, rate limit,
database unavailable) as problem details. The fuzzing suite checks every response against this
document (tests/security/test_fuzz.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field → what is wrong with it",
            "additionalProperties": {"type": "string"},
        },
    },
}
STA_ERROR = {
    "type": "object",
    "description": "SensorThings error",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer"},
        "type": {"type": "string"},
        "message": {"type": "string"},
    },
}
OPEN311_ERRORS = {
    "type": "array",
    "description": "Open311 GeoReport v2 errors",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}

# Every operation can meet these: an unknown municipality or id, a missing or insufficient
# login, the rate limits, an unreachable database.
COMMON = {
    "400": "The request is malformed",
    "401": "No or an invalid login or API key",
    "403": "Not allowed for this login or key",
    "404": "No such municipality or object",
    "429": "Too many requests; see Retry-After",
    "503": "A dependency is unavailable; see Retry-After",
}
WITH_BODY = {
    "409": "Conflicts with the current state (a duplicate, a step not possible now)",
    "413": "The body exceeds the size limit",
    "415": "The body's media type is not accepted",
    "422": "The input is not valid; `errors` names each field",
}


def _error_content(path: str) -> dict[str, Any]:
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    content: dict[str, Any] = {"application/problem+json": problem}
    if "/sta/v1.1" in path:
        content["application/json"] = {"schema": {"$ref": "#/components/schemas/StaError"}}
    elif "/open311/v2" in path:
        content["application/json"] = {"schema": {"$ref": "#/components/schemas/Open311Errors"}}
        content["application/xml"] = {"schema": {"type": "string"}}
    return content


def _is_fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update({"Problem": PROBLEM, "StaError": STA_ERROR, "Open311Errors": OPEN311_ERRORS})
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = dict(COMMON)
            if "requestBody" in operation or method in ("post", "put", "patch", "delete"):
                errors.update(WITH_BODY)
            elif operation.get("parameters"):
                errors["422"] = WITH_BODY["422"]
            for status, description in errors.items():
                current = responses.get(status)
                # A route's own description of a status stays; FastAPI's 422 does not, as
                # our validation errors are problem details.
                if current is None or _is_fastapi_validation_error(current):
                    responses[status] = {
                        "description": description,
                        "content": _error_content(path),
                    }
            for status, current in responses.items():
                # A route that names an error without its body sends problem details.
                if status[0] in "45" and "content" not in current:
                    current["content"] = _error_content(path)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


def install(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
