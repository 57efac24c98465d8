"""Report categories (Open311 services) and their attributes: the definitions a municipality
sets up, and the answers a report gives."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.open311.models import ReportCategory

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
MAX_ANSWER = 2_000


def check_attributes(definitions: Any) -> list[dict[str, Any]]:
    """Definitions in Open311's shape, completed with defaults; InvalidInput says what is
    wrong."""
    if not isinstance(definitions, list):
        raise InvalidInput("attributes is a list.")
    checked, codes = [], set()
    for position, given in enumerate(definitions):
        where = f"attributes[{position}]"
        if not isinstance(given, dict):
            raise InvalidInput(f"{where} is an object.")
        code = given.get("code")
        if not isinstance(code, str) or not _CODE.match(code) or code in codes:
            raise InvalidInput(f"{where}.code must be a unique name of letters, digits, - or _.")
        codes.add(code)
        datatype = given.get("datatype", "string")
        if datatype not in DATATYPES:
            raise InvalidInput(f"{where}.datatype must be one of {', '.join(DATATYPES)}.")
        values = given.get("values", [])
        if datatype in LISTS:
            if not values or not all(
                isinstance(v, dict)
                and isinstance(v.get("key"), str)
                and isinstance(v.get("name"), str)
                for v in values
            ):
                raise InvalidInput(f"{where}.values must list {{key, name}} pairs for a list.")
        elif values:
            raise InvalidInput(f"{where}.values belong to list datatypes only.")
        checked.append(
            {
                "variable": bool(given.get("variable", True)),
                "code": code,
                "datatype": datatype,
                "required": bool(given.get("required", False)),
                "datatype_description": str(given.get("datatype_description", "")),
                "order": int(given.get("order", position + 1)),
                "description": str(given.get("description", code)),
                "values": [{"key": v["key"], "name": v["name"]} for v in values],
            }
        )
    return checked


def answers(category: ReportCategory, given: dict[str, list[str]]) -> dict[str, Any]:
    """The report's answers (from `attribute[code]` and `attribute[code][]` fields), checked
    against the category's definitions."""
    result: dict[str, Any] = {}
    known = {a["code"]: a for a in category.attributes}
    unknown = set(given) - set(known)
    if unknown:
        raise InvalidInput(f"{category.name!r} has no attribute {sorted(unknown)[0]!r}.")
    for code, definition in known.items():
        values = [v for v in given.get(code, []) if v.strip()]
        if not values:
            if definition["required"] and definition["variable"]:
                raise InvalidInput(f"attribute[{code}] ({definition['description']}) is required.")
            continue
        if any(len(v) > MAX_ANSWER for v in values):
            raise InvalidInput(f"attribute[{code}] is too long.")
        result[code] = _answer(code, definition, values)
    return result


def _answer(code: str, definition: dict[str, Any], values: list[str]) -> Any:
    datatype = definition["datatype"]
    keys = {v["key"] for v in definition["values"]}
    if datatype == "multivaluelist":
        wrong = [v for v in values if v not in keys]
        if wrong:
            raise InvalidInput(f"attribute[{code}]: {wrong[0]!r} is not one of {sorted(keys)}.")
        return values
    if len(values) > 1:
        raise InvalidInput(f"attribute[{code}] takes one value.")
    value = values[0]
    if datatype == "singlevaluelist" and value not in keys:
        raise InvalidInput(f"attribute[{code}]: {value!r} is not one of {sorted(keys)}.")
    if datatype == "number":
        try:
            return float(value)
        except ValueError:
            raise InvalidInput(f"attribute[{code}] must be a number.") from None
    if datatype == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"attribute[{code}] must be a date and time (ISO 8601).") from None
    return value


def all_categories(db: Session, *, include_inactive: bool = False) -> list[ReportCategory]:
    query = select(ReportCategory).order_by(ReportCategory.group, ReportCategory.name)
    if not include_inactive:
        query = query.where(ReportCategory.active.is_(True))
    return list(db.scalars(query))


def last_created(db: Session) -> datetime | None:
    """When the newest category was created (Open311's discovery `changeset`)."""
    return db.scalar(select(func.max(ReportCategory.created_at)))


def by_code(db: Session, service_code: str, *, include_inactive: bool = False) -> ReportCategory:
    category = db.scalar(select(ReportCategory).where(ReportCategory.service_code == service_code))
    if category is None or not (category.active or include_inactive):
        raise NotFound(f"There is no service {service_code!r}.")
    return category


def save(db: Session, data: dict[str, Any], *, actor: str) -> ReportCategory:
    """Create a category, or change the one with this service code."""
    code = data["service_code"]
    if not _CODE.match(code):
        raise InvalidInput("service_code: letters, digits, - or _ (at most 63).")
    attributes = check_attributes(data.get("attributes", []))
    category = db.scalar(select(ReportCategory).where(ReportCategory.service_code == code))
    if category is None:
        category = ReportCategory(service_code=code)
        db.add(category)
    elif data.get("create_only"):
        raise Conflict(f"There is already a service {code!r}.")
    category.name = data["name"]
    category.description = data.get("description", "")
    category.group = data.get("group", "")
    category.keywords = list(data.get("keywords", []))
    category.department = data["department"]
    category.attributes = attributes
    category.active = bool(data.get("active", True))
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="open311.category.save",
        resource_type="report_category",
        resource_id=str(category.id),
        changes={"service_code": code, "department": category.department},
    )
    return category


def service_out(category: ReportCategory) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def definition_out(category: ReportCategory) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "attributes": sorted(category.attributes, key=lambda a: a["order"]),
    }
