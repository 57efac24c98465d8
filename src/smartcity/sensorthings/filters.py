"""$filter and $orderby expressions, compiled from the OData syntax tree to SQL.

Paths through navigation properties (`Datastream/Thing/name`) become EXISTS subqueries via the
ORM relationships, so the tenant criterion applies inside them too. JSON paths
(`properties/owner`, `parameters/quality`) compare as the literal's type.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from odata_query import ast as o
from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    cast,
    extract,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ClauseElement

from smartcity.core.db import MAX_ID
from smartcity.core.spatial import GeometryError, from_wkt
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType, Nav
from smartcity.sensorthings.errors import BadRequest

Expr = Any  # SQLAlchemy column expressions or Python literals

COMPARATORS: dict[type[o._Comparator], Callable[[Any, Any], Any]] = {
    o.Eq: operator.eq,
    o.NotEq: operator.ne,
    o.Lt: operator.lt,
    o.LtE: operator.le,
    o.Gt: operator.gt,
    o.GtE: operator.ge,
}
ARITHMETIC: dict[type[o._BinOpToken], Callable[[Any, Any], Any]] = {
    o.Add: operator.add,
    o.Sub: operator.sub,
    o.Mult: operator.mul,
    o.Div: operator.truediv,
    o.Mod: operator.mod,
}
SPATIAL = frozenset(
    {
        "geo.distance",
        "geo.length",
        "geo.intersects",
        "st_equals",
        "st_disjoint",
        "st_touches",
        "st_within",
        "st_overlaps",
        "st_crosses",
        "st_intersects",
        "st_contains",
        "st_relate",
    }
)


@dataclass(frozen=True)
class Json:
    """A path into a JSON column; typed once we know what it is compared with."""

    column: Any
    path: tuple[str, ...]

    def typed(self, like: Any) -> Any:
        element = self.column[self.path] if len(self.path) > 1 else self.column[self.path[0]]
        if isinstance(like, bool):
            return element.as_boolean()
        if isinstance(like, int | float):
            return element.as_float()
        return element.as_string()


@dataclass(frozen=True)
class Result:
    """Observation.result: numbers, strings and booleans live in their own columns."""

    model: Any

    def typed(self, like: Any) -> Any:
        if isinstance(like, bool):
            return self.model.result_boolean
        if isinstance(like, int | float):
            return self.model.result_number
        if like is None:
            return self.model.result_json
        return self.model.result_string


class Compiler:
    def __init__(
        self,
        entity: EntityType,
        dialect: str,
        *,
        postgis: bool = True,
        visible: Callable[[str], Any] | None = None,
    ) -> None:
        self.entity = entity
        self.dialect = dialect
        self.postgis = postgis
        # For unprivileged readers: the condition that hides restricted entities of a type.
        self.visible = visible

    # ---- entry points -----------------------------------------------------------------

    def condition(self, node: o._Node) -> Any:
        if isinstance(node, o.Call):
            return self._bool(node)  # a spatial function may follow a path (_split_navs)
        navs, inner = self._split_navs(node)
        if navs:
            raise BadRequest("A navigation path must be compared with a value.")
        return self._bool(inner)

    def order_key(self, node: o._Node) -> Any:
        navs, inner = self._split_navs(node)
        if navs:
            raise BadRequest("$orderby supports properties of the entity itself.")
        value = self._value(inner)
        if isinstance(value, Json | Result):
            return value.typed(1.0) if isinstance(value, Result) else value.typed("")
        return value

    # ---- boolean expressions ----------------------------------------------------------

    def _bool(self, node: o._Node) -> Any:
        if isinstance(node, o.BoolOp):
            left, right = self._bool(node.left), self._bool(node.right)
            return and_(left, right) if isinstance(node.op, o.And) else or_(left, right)
        if isinstance(node, o.UnaryOp) and isinstance(node.op, o.Not):
            return not_(self._bool(node.operand))
        if isinstance(node, o.Compare):
            return self._compare(node)
        if isinstance(node, o.Call):
            navs, call = self._split_navs(node)
            if navs:
                # st_within(Locations/location, …): true when any Location is within.
                inner = self._inner(navs)
                return self._wrap(navs, inner._bool(call))
            value = self._call(node)
            return value if not isinstance(value, bool) else literal(value)
        if isinstance(node, o.Boolean):
            return true() if node.py_val else not_(true())
        if isinstance(node, o.Identifier | o.Attribute):
            value = self._value(node)
            return value.typed(True) == True if isinstance(value, Json | Result) else value  # noqa: E712
        raise BadRequest(f"$filter: {_describe(node)} is not a condition.")

    def _compare(self, node: o.Compare) -> Any:
        left_navs, left = self._split_navs(node.left)
        right_navs, right = self._split_navs(node.right)
        if left_navs and right_navs:
            raise BadRequest("$filter: only one side of a comparison may follow a navigation path.")
        navs = left_navs or right_navs
        if navs:
            inner = self._inner(navs)
            condition = inner._compare(o.Compare(node.comparator, left, right))
            return self._wrap(navs, condition)
        lhs, rhs = self._value(left), self._value(right)
        if isinstance(node.comparator, o.In):
            if not isinstance(rhs, list):
                raise BadRequest("$filter: 'in' needs a list, e.g. name in ('a', 'b').")
            column = lhs.typed(rhs[0] if rhs else "") if isinstance(lhs, Json | Result) else lhs
            return column.in_(rhs)
        compare = COMPARATORS.get(type(node.comparator))
        if compare is None:
            raise BadRequest(f"$filter: unsupported comparison {type(node.comparator).__name__}.")
        if isinstance(lhs, Json | Result):
            lhs = lhs.typed(_sample(rhs))
        if isinstance(rhs, Json | Result):
            rhs = rhs.typed(_sample(lhs))
        if rhs is None:
            return lhs.is_(None) if compare is operator.eq else lhs.is_not(None)
        if lhs is None:
            return rhs.is_(None) if compare is operator.eq else rhs.is_not(None)
        return compare(lhs, rhs)

    # ---- navigation -------------------------------------------------------------------

    def _split_navs(self, node: o._Node) -> tuple[list[Nav], o._Node]:
        """Leading navigation properties of a path, and the rest of the path. A spatial
        function whose geometry follows a path (`geo.distance(Locations/location, …)`) is
        split the same way: the navigation, and the function on the target's property."""
        if isinstance(node, o.Call) and node.func.full_name() in SPATIAL:
            return self._split_spatial(node)
        names = _path(node)
        if not names:
            return [], node
        navs: list[Nav] = []
        entity = self.entity
        for index, name in enumerate(names):
            nav = entity.nav(name)
            if nav is None:
                if not navs:
                    return [], node
                return navs, _rebuild(names[index:])
            navs.append(nav)
            entity = ENTITY_TYPES[nav.target]
        raise BadRequest(f"$filter: the path '{'/'.join(names)}' ends at an entity, not a value.")

    def _split_spatial(self, node: o.Call) -> tuple[list[Nav], o._Node]:
        args = list(node.args)
        found: list[tuple[int, list[Nav], o._Node]] = []
        for index, arg in enumerate(args):
            if isinstance(arg, o.Identifier | o.Attribute):
                navs, rest = self._split_navs(arg)
                if navs:
                    found.append((index, navs, rest))
        if not found:
            return [], node
        if len(found) > 1:
            raise BadRequest(
                f"$filter: only one argument of {node.func.full_name()} may follow a "
                "navigation path."
            )
        index, navs, rest = found[0]
        args[index] = rest
        return navs, o.Call(node.func, args)

    def _target(self, navs: list[Nav]) -> EntityType:
        return ENTITY_TYPES[navs[-1].target]

    def _inner(self, navs: list[Nav]) -> Compiler:
        """The compiler for the entity at the end of `navs`."""
        return Compiler(
            self._target(navs), self.dialect, postgis=self.postgis, visible=self.visible
        )

    def _wrap(self, navs: list[Nav], condition: Any) -> Any:
        entities = [self.entity]
        for nav in navs[:-1]:
            entities.append(ENTITY_TYPES[nav.target])
        for entity, nav in reversed(list(zip(entities, navs, strict=True))):
            relationship = getattr(entity.model, nav.attr)
            if self.visible is not None:
                condition = and_(condition, self.visible(nav.target))
            condition = relationship.any(condition) if nav.many else relationship.has(condition)
        return condition

    # ---- values -----------------------------------------------------------------------

    def _value(self, node: o._Node) -> Any:
        if isinstance(node, o.Null):
            return None
        if isinstance(node, o.DateTime):
            value = _literal_value(node)
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(node, o.Date):
            day = _literal_value(node)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if isinstance(node, o.Duration):
            return _literal_value(node)
        if isinstance(node, o.Geography):
            raise BadRequest("$filter: spatial literals are not supported yet.")
        if isinstance(node, o.List):
            return [self._value(item) for item in node.val]
        if isinstance(node, o.Integer):
            number = node.py_val
            if abs(number) > MAX_ID:
                raise BadRequest(f"$filter: {number} is out of range for a 64-bit integer.")
            return number
        if isinstance(node, o._Literal):
            return _literal_value(node)
        if isinstance(node, o.Identifier | o.Attribute):
            return self._property(_path(node))
        if isinstance(node, o.BinOp):
            return self._arithmetic(node)
        if isinstance(node, o.UnaryOp) and isinstance(node.op, o.USub):
            value = self._numeric(self._value(node.operand))
            return -value
        if isinstance(node, o.Call):
            return self._call(node)
        if isinstance(node, o.Compare | o.BoolOp):
            return self._bool(node)
        raise BadRequest(f"$filter: {_describe(node)} is not supported.")

    def _property(self, names: list[str]) -> Any:
        model = self.entity.model
        head, rest = names[0], names[1:]
        if head == "id" and not rest:
            return model.id
        field = self.entity.field(head)
        if field is None:
            raise BadRequest(f"$filter: '{self.entity.name}' has no property '{head}'.")
        column = getattr(model, field.attr)
        if field.kind == "result":
            return Json(model.result_json, tuple(rest)) if rest else Result(model)
        if rest:
            if field.kind not in ("json", "any", "geojson"):
                raise BadRequest(f"$filter: '{head}' has no sub-properties.")
            return Json(column, tuple(rest))
        if field.kind in ("json", "any", "geojson"):
            raise BadRequest(f"$filter: compare a member of '{head}', e.g. {head}/name.")
        return column

    def _numeric(self, value: Any) -> Any:
        if isinstance(value, Json | Result):
            return value.typed(1.0)
        return value

    def _arithmetic(self, node: o.BinOp) -> Any:
        left, right = self._numeric(self._value(node.left)), self._numeric(self._value(node.right))
        apply = ARITHMETIC[type(node.op)]
        if isinstance(right, timedelta) and isinstance(left, datetime):
            try:
                return apply(left, right)
            except OverflowError:
                raise BadRequest(
                    "$filter: the duration takes the time outside the years 1 to 9999."
                ) from None
        if isinstance(right, timedelta):
            raise BadRequest("$filter: durations can only be added to or subtracted from now().")
        if isinstance(node.op, o.Div):
            return cast(left, Float) / right
        if isinstance(node.op, o.Mod):
            # SQL's % truncates to integers on SQLite and refuses floats on PostgreSQL.
            if self.dialect == "postgresql":
                return func.mod(cast(left, Numeric), cast(right, Numeric))
            return func.mod(left, right)
        return apply(left, right)

    # ---- functions --------------------------------------------------------------------

    def _call(self, node: o.Call) -> Any:
        name = node.func.full_name()
        if name in SPATIAL:
            return self._spatial(name, node.args)
        args = [self._value(arg) for arg in node.args]
        text = [a.typed("") if isinstance(a, Json | Result) else a for a in args]
        number = [self._numeric(a) for a in args]
        if name == "substringof":
            return text[1].contains(text[0], autoescape=True)
        if name == "contains":
            return text[0].contains(text[1], autoescape=True)
        if name == "startswith":
            return text[0].startswith(text[1], autoescape=True)
        if name == "endswith":
            return text[0].endswith(text[1], autoescape=True)
        if name == "length":
            return func.length(text[0])
        if name == "indexof":
            found = (
                func.instr(text[0], text[1])
                if self.dialect == "sqlite"
                else func.strpos(text[0], text[1])
            )
            return found - 1
        if name == "substring":
            start = number[1] + 1
            return (
                func.substr(text[0], start, number[2])
                if len(args) == 3
                else func.substr(text[0], start)
            )
        if name == "tolower":
            return func.lower(text[0])
        if name == "toupper":
            return func.upper(text[0])
        if name == "trim":
            return func.trim(text[0])
        if name == "concat":
            return cast(text[0], String).concat(cast(text[1], String))
        if name in ("year", "month", "day", "hour", "minute", "second"):
            return cast(extract(name, args[0]), Integer)
        if name == "fractionalseconds":
            return extract("second", args[0]) - cast(extract("second", args[0]), Integer)
        if name in ("date", "time"):
            # As ISO text on both databases, so the result compares with '2026-11-22'.
            if self.dialect == "sqlite":
                return getattr(func, name)(args[0])
            pattern = "YYYY-MM-DD" if name == "date" else "HH24:MI:SS"
            return func.to_char(func.timezone("UTC", args[0]), pattern)
        if name == "now":
            return datetime.now(UTC)
        if name == "mindatetime":
            return datetime(1, 1, 1, tzinfo=UTC)
        if name == "maxdatetime":
            return datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
        if name == "totaloffsetminutes":
            return 0  # every time is stored in UTC
        if name == "round":
            return func.round(number[0])
        if name == "floor":
            return func.floor(number[0])
        if name == "ceiling":
            return func.ceil(number[0]) if self.dialect == "sqlite" else func.ceiling(number[0])
        raise BadRequest(f"$filter: the function {name} is not supported.")

    # ---- spatial ----------------------------------------------------------------------

    def _spatial(self, name: str, args: list[o._Node]) -> Any:
        if self.dialect == "postgresql" and not self.postgis:
            raise BadRequest(f"$filter: {name} needs PostGIS, which this database does not have.")
        if name == "geo.length":
            return self._measure("length", [self._geometry_operand(args[0])])
        operands = [self._geometry_operand(arg) for arg in args[:2]]
        if name == "geo.distance":
            return self._measure("distance", operands)
        if name == "st_relate":
            pattern = self._value(args[2])
            if not isinstance(pattern, str) or len(pattern) != 9:
                raise BadRequest("$filter: st_relate needs a 9-character DE-9IM pattern.")
            return self._relation("relate", operands, pattern)
        relation = "intersects" if name == "geo.intersects" else name.removeprefix("st_")
        return self._relation(relation, operands)

    def _geometry_operand(self, node: o._Node) -> tuple[str, Any]:
        if isinstance(node, o.Geography):
            text = str(node.val)
            if text.upper().startswith("SRID="):
                text = text.split(";", 1)[1]
            try:
                from_wkt(text)
            except GeometryError:
                raise BadRequest(f"$filter: geography'{text[:80]}' is not valid WKT.") from None
            return "wkt", text
        names = _path(node)
        field = self.entity.field(names[0]) if len(names) == 1 else None
        if field is None or field.kind != "geojson":
            geometries = [f.name for f in self.entity.fields if f.kind == "geojson"]
            raise BadRequest(
                f"$filter: spatial functions take a geometry property of {self.entity.name} "
                f"({', '.join(geometries) or 'it has none'}) or a geography'...' literal."
            )
        return "geojson", getattr(self.entity.model, field.attr)

    def _sql_geometry(self, operand: tuple[str, Any]) -> Any:
        kind, value = operand
        if kind == "wkt":
            return func.ST_GeomFromText(value, 4326)
        # The indexed function of migration 0007 (GeoJSON, Features included, to geometry).
        return func.smartcity_geometry(value)

    def _relation(self, relation: str, operands: list[tuple[str, Any]], pattern: str = "") -> Any:
        if self.dialect == "postgresql":
            first, second = (self._sql_geometry(op) for op in operands)
            if relation == "relate":
                return func.ST_Relate(first, second, pattern)
            return getattr(func, "ST_" + relation.capitalize())(first, second)
        (kind_a, a), (kind_b, b) = operands
        if relation == "relate":
            return func.sc_relate(kind_a, _text(a), kind_b, _text(b), pattern) == 1
        return func.sc_relation(relation, kind_a, _text(a), kind_b, _text(b)) == 1

    def _measure(self, measure: str, operands: list[tuple[str, Any]]) -> Any:
        if self.dialect == "postgresql":
            geometries = [self._sql_geometry(op) for op in operands]
            return (
                func.ST_Length(*geometries)
                if measure == "length"
                else func.ST_Distance(*geometries)
            )
        flat = [part for kind, value in operands for part in (kind, _text(value))]
        return func.sc_length(*flat) if measure == "length" else func.sc_distance(*flat)


def _literal_value(node: o._Literal) -> Any:
    """A literal's Python value; a clear 400 for one that has none (a duration of more
    than 999,999,999 days, the year 0)."""
    try:
        return node.py_val
    except (OverflowError, ValueError):
        kind = type(node).__name__.lower()
        raise BadRequest(
            f"$filter: the {kind} {str(getattr(node, 'val', ''))[:80]!r} is out of range."
        ) from None


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else cast(value, String)


def _sample(value: Any) -> Any:
    """A Python value standing for what an expression compares with (to type a JSON path)."""
    if isinstance(value, ClauseElement):
        kind = getattr(value, "type", None)
        if isinstance(kind, Float | Integer):
            return 1.0
        if isinstance(kind, Boolean):
            return True
        return ""
    if isinstance(value, list):
        return value[0] if value else ""
    if isinstance(value, datetime | date):
        return ""
    return value


def _path(node: o._Node) -> list[str]:
    if isinstance(node, o.Identifier):
        if node.namespace:
            return []
        return [node.name]
    if isinstance(node, o.Attribute):
        owner = _path(node.owner)
        return [*owner, node.attr] if owner else []
    return []


def _rebuild(names: list[str]) -> o._Node:
    node: o._Node = o.Identifier(names[0])
    for name in names[1:]:
        node = o.Attribute(node, name)
    return node


def _describe(node: o._Node) -> str:
    return type(node).__name__
