"""SensorThings errors. The standard defines no error body; we answer as FROST-Server does
(`{"code": 400, "type": "error", "message": "..."}`) so existing clients show the message."""

from __future__ import annotations


class StaError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(StaError):
    status = 400


class NotFoundError(StaError):
    status = 404


class Unauthorized(StaError):
    status = 401


class Forbidden(StaError):
    status = 403


class MethodNotAllowed(StaError):
    status = 405


class UnsupportedMediaType(StaError):
    status = 415


class Unavailable(StaError):
    """The request was stopped (it took too long, or its client left); worth a retry with a
    smaller question or later."""

    status = 503
    retry_after = 5


class TooManyEntities(BadRequest):
    """A response would hold more entities than the configured maximum."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The answer would hold more than {limit} entities, expanded ones included "
            "(the limit SMARTCITY_STA_MAX_ENTITIES); ask for fewer with $top, or expand less "
            "(a smaller $top inside $expand, fewer levels)."
        )
        self.limit = limit
