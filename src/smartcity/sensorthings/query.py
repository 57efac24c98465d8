"""System query options of a request: $top, $skip, $count, $orderby, $select, $expand
(nested, with its own options) and $filter (parsed into an OData syntax tree)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from odata_query import ast as odata_ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODATA_FUNCTIONS, ODataLexer, ODataParser
from sly.lex import LexError

from smartcity.core.db import MAX_ID
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType
from smartcity.sensorthings.errors import BadRequest

# Functions SensorThings adds to OData's (OGC 18-088, table 12), with their argument counts.
STA_FUNCTIONS = {
    "substringof": 2,
    "geo.distance": 2,
    "geo.length": 1,
    "geo.intersects": 2,
    "st_equals": 2,
    "st_disjoint": 2,
    "st_touches": 2,
    "st_within": 2,
    "st_overlaps": 2,
    "st_crosses": 2,
    "st_intersects": 2,
    "st_contains": 2,
    "st_relate": 3,
}
ODATA_FUNCTIONS.update(STA_FUNCTIONS)

MAX_FILTER_LENGTH = 10_000
MAX_EXPAND_DEPTH = 5


@dataclass
class Expand:
    nav: str
    options: QueryOptions


@dataclass
class QueryOptions:
    top: int | None = None
    skip: int = 0
    count: bool = False
    orderby: list[tuple[odata_ast._Node, bool]] = field(default_factory=list)
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    filter: odata_ast._Node | None = None
    result_format: str | None = None


# `@iot.id` names the id wherever a property may be named (OGC 18-088, 9.3.3.4); OData's
# grammar has no `@`, so it becomes `id` before parsing (outside string literals).
IOT_ID = re.compile(r"(?<![\w.@])@iot\.id(?![\w.])")


def with_plain_ids(text: str) -> str:
    """`text` with every `@iot.id` outside quotes written as `id`."""
    if "@iot.id" not in text:
        return text
    parts = text.split("'")
    # Even parts are outside string literals ('' inside a literal splits into two odd parts
    # around an empty even one, which holds nothing to replace).
    return "'".join(
        IOT_ID.sub("id", part) if index % 2 == 0 else part for index, part in enumerate(parts)
    )


def parse_expression(text: str, option: str) -> odata_ast._Node:
    if len(text) > MAX_FILTER_LENGTH:
        raise BadRequest(f"{option} is longer than {MAX_FILTER_LENGTH} characters.")
    text = with_plain_ids(text)
    try:
        return ODataParser().parse(ODataLexer().tokenize(text))  # type: ignore[no-any-return]
    except (ODataException, LexError) as exc:
        raise BadRequest(f"Invalid {option}: {exc}") from None
    except (IndexError, TypeError, AttributeError, ValueError, RecursionError):
        raise BadRequest(f"Invalid {option}: {text[:200]!r} cannot be parsed.") from None


def _split_top_level(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise BadRequest(f"Unbalanced parentheses in {text!r}.")
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise BadRequest(f"Unbalanced parentheses in {text!r}.")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _integer(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a non-negative integer, not {value!r}.") from None
    if number < 0 or number > MAX_ID:
        raise BadRequest(f"{name} must be a non-negative 64-bit integer, not {value!r}.")
    return number


def parse_options(
    params: dict[str, str], entity: EntityType, *, max_top: int, depth: int = 0
) -> QueryOptions:
    if depth > MAX_EXPAND_DEPTH:
        raise BadRequest(f"$expand is nested deeper than {MAX_EXPAND_DEPTH} levels.")
    options = QueryOptions()
    for name, value in params.items():
        if not name.startswith("$"):
            continue
        if name == "$top":
            # Above the maximum the server pages (OGC 18-088, 9.3.3.3: the service may return
            # fewer entities than asked for, with a nextLink to the rest).
            options.top = min(_integer(value, "$top"), max_top)
        elif name == "$skip":
            options.skip = _integer(value, "$skip")
        elif name == "$count":
            if value.lower() not in ("true", "false"):
                raise BadRequest("$count must be true or false.")
            options.count = value.lower() == "true"
        elif name == "$filter":
            options.filter = parse_expression(value, "$filter")
        elif name == "$orderby":
            options.orderby = [_order_item(item) for item in _split_top_level(value, ",")]
        elif name == "$select":
            options.select = [_plain_id(s.strip()) for s in value.split(",") if s.strip()]
            for selected in options.select:
                if selected != "id" and not entity.field(selected) and not entity.nav(selected):
                    raise BadRequest(f"$select: '{entity.name}' has no property '{selected}'.")
        elif name == "$expand":
            options.expand = _parse_expand(value, entity, max_top=max_top, depth=depth)
        elif name == "$resultFormat":
            options.result_format = value
        else:
            raise BadRequest(f"Unknown query option {name}.")
    return options


def _plain_id(name: str) -> str:
    return "id" if name == "@iot.id" else name


def _order_item(text: str) -> tuple[odata_ast._Node, bool]:
    words = text.rsplit(" ", 1)
    descending = False
    if len(words) == 2 and words[1].lower() in ("asc", "desc"):
        text, descending = words[0], words[1].lower() == "desc"
    return parse_expression(text.strip(), "$orderby"), descending


def _parse_expand(text: str, entity: EntityType, *, max_top: int, depth: int) -> list[Expand]:
    expands: list[Expand] = []
    for item in _split_top_level(text, ","):
        head, _, inner = item.partition("(")
        path = head.strip().split("/")
        nav = entity.nav(path[0])
        if nav is None:
            raise BadRequest(f"$expand: '{entity.name}' has no navigation property '{path[0]}'.")
        target = ENTITY_TYPES[nav.target]
        params: dict[str, Any] = {}
        if inner:
            if not inner.endswith(")"):
                raise BadRequest(f"$expand: unbalanced parentheses in {item!r}.")
            for option in _split_top_level(inner[:-1], ";"):
                key, _, val = option.partition("=")
                params[key.strip()] = val.strip()
        if len(path) > 1:
            # Datastreams/Observations is Datastreams($expand=Observations)
            rest = "/".join(path[1:]) + (f"({inner}" if inner else "")
            options = parse_options({"$expand": rest}, target, max_top=max_top, depth=depth + 1)
        else:
            options = parse_options(params, target, max_top=max_top, depth=depth + 1)
        expands.append(Expand(nav.name, options))
    return expands
