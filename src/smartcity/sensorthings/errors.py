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
