"""Typed service errors. Services raise these; the HTTP layer turns them into RFC 9457 problems."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base class: carries the HTTP status and a message a person understands."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, *, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors or {})


class InvalidInput(ServiceError):
    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class NotFound(ServiceError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class NotAuthenticated(ServiceError):
    status = 401
    title = "Authentication required"
    type_slug = "not-authenticated"


class PermissionDenied(ServiceError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class TooManyRequests(ServiceError):
    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(ServiceError):
    status = 503
    title = "Service unavailable"
    type_slug = "service-unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Gone(ServiceError):
    status = 410
    title = "Gone"
    type_slug = "gone"


class PreconditionFailed(ServiceError):
    status = 412
    title = "Precondition failed"
    type_slug = "precondition-failed"


class PreconditionRequired(ServiceError):
    status = 428
    title = "Precondition required"
    type_slug = "precondition-required"
