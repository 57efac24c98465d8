"""What an Open311 client sends, read into our terms: the form of a new report (fields,
`attribute[code]` answers, a photo) and the query of a search. InvalidInput or Open311Error
says what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from smartcity.core.errors import InvalidInput, NotFound
from smartcity.open311.formats import Open311Error
from smartcity.open311.services import NewReport, Search

MAX_FORM_FIELDS = 200


async def read_form(request: Request, fmt: str) -> FormData:
    try:
        return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)
    except Exception as exc:  # malformed multipart, too many fields
        raise Open311Error(400, f"The form cannot be read: {exc}", fmt) from exc


async def photo(form: FormData, limit: int, fmt: str) -> tuple[str, bytes] | None:
    upload = form.get("media")
    if not isinstance(upload, UploadFile):
        return None
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise Open311Error(413, f"The photo is larger than {limit // 1_048_576} MB.", fmt)
    return upload.filename or "foto", content


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _float(form: FormData, name: str) -> float | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number.") from None


def new_report(form: FormData, photo: tuple[str, bytes] | None) -> NewReport:
    code = _text(form, "service_code")
    if not code:
        raise InvalidInput("service_code is required.")
    attributes: dict[str, list[str]] = {}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]"):
            code_part = key[len("attribute[") :].removesuffix("[]").removesuffix("]")
            attributes.setdefault(code_part, []).extend(
                v for v in form.getlist(key) if isinstance(v, str)
            )
    return NewReport(
        service_code=code,
        lat=_float(form, "lat"),
        long=_float(form, "long"),
        address_string=_text(form, "address_string"),
        description=_text(form, "description"),
        email=_text(form, "email") or None,
        first_name=_text(form, "first_name"),
        last_name=_text(form, "last_name"),
        phone=_text(form, "phone"),
        device_id=_text(form, "device_id"),
        account_id=_text(form, "account_id"),
        media_url=_text(form, "media_url"),
        attributes=attributes,
        photo=photo,
    )


def request_id(text: str) -> int:
    """A service request id from the path or a query (digits, and not too many of them)."""
    if not text.isdecimal() or len(text) > 9:
        raise NotFound(f"There is no service request {text!r}.")
    return int(text)


def search(params: Any) -> Search:
    def times(name: str) -> datetime | None:
        text = params.get(name)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"{name} must be a w3 date and time, e.g. 2026-11-01T00:00:00Z."
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def listed(name: str) -> list[str] | None:
        text = params.get(name)
        return [part.strip() for part in text.split(",") if part.strip()] if text else None

    ids = listed("service_request_id")
    statuses = listed("status")
    if statuses and set(statuses) - {"open", "closed"}:
        raise InvalidInput("status is open, closed or both (comma-separated).")
    near = None
    if params.get("lat") or params.get("long"):
        try:
            near = (
                float(params["lat"]),
                float(params["long"]),
                min(float(params.get("radius", 50)), 5_000.0),
            )
        except (KeyError, ValueError):
            raise InvalidInput("lat and long (and radius in metres) must be numbers.") from None
    return Search(
        ids=[request_id(i) for i in ids] if ids else None,
        service_codes=listed("service_code"),
        start=times("start_date"),
        end=times("end_date"),
        statuses=sorted(set(statuses)) if statuses else None,
        near=near,
    )
