"""A form definition's step as fields a page can render, and a posted HTML form turned back
into the form's data (text to numbers and booleans, blanks removed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile

from smartcity.citizen.forms import FormDefinition
from smartcity.core.web.dates import field_value


@dataclass(frozen=True)
class Field:
    path: str
    name: str  # the HTML name and id suffix (dots are fine in names, not in CSS ids)
    label: str
    help: str
    widget: str
    kind: str
    required: bool
    value: Any
    options: list[tuple[str, str]]
    accept: str
    multiple: bool
    autocomplete: str = ""  # the input purpose (WCAG 2.1 SC 1.3.5), where the form names one


def _text(hints: dict[str, Any], key: str, language: str) -> str:
    value = hints.get(key)
    if isinstance(value, dict):
        return str(value.get(language) or value.get("de") or "")
    return str(value or "")


def _required(schema: dict[str, Any], path: str) -> bool:
    node: Any = schema
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.get("properties", {}).get(part, {})
    return parts[-1] in node.get("required", [])


def get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _widget(hints: dict[str, Any], node: dict[str, Any]) -> str:
    if hints.get("widget"):
        return str(hints["widget"])
    kind = node.get("type")
    if "enum" in node:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if node.get("format") == "date":
        return "date"
    if node.get("format") == "email":
        return "email"
    if kind == "string" and int(node.get("maxLength", 0)) > 300:
        return "textarea"
    return "text"


def _options(hints: dict[str, Any], node: dict[str, Any], language: str) -> list[tuple[str, str]]:
    values = node.get("enum") or node.get("items", {}).get("enum") or []
    labels = hints.get("options", {})
    found = []
    for value in values:
        label = labels.get(str(value)) if isinstance(labels, dict) else None
        text = _text({"x": label}, "x", language) if label else str(value)
        found.append((str(value), text))
    return found


def step_fields(
    form: FormDefinition, paths: list[str], data: dict[str, Any], language: str
) -> list[Field]:
    fields = []
    for path in paths:
        hints = form.ui.get("fields", {}).get(path, {})
        node = form.schema_at(path) or {}
        fields.append(
            Field(
                path=path,
                name=path,
                label=form.label(path, language),
                help=_text(hints, "help", language),
                widget=_widget(hints, node),
                kind=str(node.get("type", "string")),
                required=_required(form.schema, path),
                value=get_path(data, path),
                options=_options(hints, node, language),
                accept=",".join(hints.get("accept", [])),
                multiple=node.get("type") == "array",
                autocomplete=str(hints.get("autocomplete") or ""),
            )
        )
    return fields


def _number(text: str, kind: str) -> Any:
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        return int(cleaned) if kind == "integer" else float(cleaned)
    except ValueError:
        # Kept as typed: the schema check then names the field and what is expected.
        return text


def merge_posted(
    fields: list[Field], posted: FormData, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[UploadFile]]]:
    """The draft's data with this step's answers, and the files chosen per file field."""
    merged = dict(data)
    files: dict[str, list[UploadFile]] = {}
    for field in fields:
        if field.widget == "file":
            chosen = [
                item
                for item in posted.getlist(field.name)
                if isinstance(item, UploadFile) and item.filename
            ]
            if chosen:
                files[field.path] = chosen
            continue
        if field.widget == "checkbox" and field.kind == "boolean":
            set_path(merged, field.path, field.name in posted or None)
            continue
        raw = posted.get(field.name)
        text = raw if isinstance(raw, str) else ""
        if not text.strip():
            set_path(merged, field.path, None)
        elif field.kind in ("integer", "number"):
            set_path(merged, field.path, _number(text, field.kind))
        elif field.widget == "date":
            # ISO from a date picker, or typed as 24.12.2026 where the browser draws none;
            # anything else is kept as typed for the schema check to name.
            set_path(merged, field.path, field_value(text))
        else:
            set_path(merged, field.path, text.strip())
    return merged, files
