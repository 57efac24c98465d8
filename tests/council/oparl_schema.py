"""The OParl 1.1 JSON schemas (copied into oparl-schemas/, see its README) for a standard JSON
Schema validator: OParl's `schema` keyword becomes `$ref`, its `url`, `date` and `date-time`
formats are checked as the specification writes them, its link documentation is dropped."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).with_name("oparl-schemas")
DROPPED = ("references", "backreference", "cardinality")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")

checker = FormatChecker(formats=())


@checker.checks("url")
def _url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@checker.checks("date")
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE.match(value))


@checker.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE_TIME.match(value))


def mapped(node: Any) -> Any:
    """A schema with OParl's keywords replaced by standard ones."""
    if isinstance(node, list):
        return [mapped(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {k: mapped(v) for k, v in node.items() if k not in DROPPED and k != "schema"}
    if isinstance(node.get("schema"), str):
        result["$ref"] = node["schema"]
    return result


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {path.stem: mapped(json.loads(path.read_text())) for path in SCHEMAS.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (f"{name}.json", Resource.from_contents(schema, default_specification=DRAFT7))
        for name, schema in schemas.items()
    )
    return registry, schemas


def validator(kind: str) -> Draft7Validator:
    registry, schemas = _registry()
    return Draft7Validator(schemas[kind], registry=registry, format_checker=checker)


def errors(document: dict[str, Any]) -> list[str]:
    """What is wrong with an OParl object, by the schema of its `type`."""
    kind = str(document.get("type", "")).rsplit("/", 1)[-1]
    if kind not in _registry()[1]:
        return [f"unknown type {document.get('type')!r}"]
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(kind).iter_errors(document)
    ]
