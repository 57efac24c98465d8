"""Answering GET requests: resolving a path to a query, applying the query options, and
writing entities as SensorThings JSON with self and navigation links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from odata_query import ast as odata_ast
from sqlalchemy import ColumnElement, Select, func, select, text, true
from sqlalchemy.exc import CompileError
from sqlalchemy.orm import Session, aliased
from starlette.requests import Request

from smartcity.core.db import QueryBudget
from smartcity.core.tenancy.scope import TenantScope, scope_of
from smartcity.sensorthings import models
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType, Field, Nav
from smartcity.sensorthings.errors import BadRequest, NotFoundError, TooManyEntities, Unavailable
from smartcity.sensorthings.filters import Compiler
from smartcity.sensorthings.paths import ResourcePath, Step
from smartcity.sensorthings.query import QueryOptions
from smartcity.sensorthings.values import format_instant, format_interval

DEFAULT_TOP = 100


@dataclass(frozen=True)
class Links:
    base: str  # .../{municipality}/sta/v1.1

    def entity(self, entity: EntityType, entity_id: int) -> str:
        return f"{self.base}/{entity.plural}({entity_id})"


def links_for(request: Request, slug: str) -> Links:
    platform = request.app.state.platform
    base = platform.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return Links(f"{base}/{slug}/sta/v1.1")


def inverse(entity: EntityType, nav: Nav) -> tuple[Any, bool]:
    """The relationship on the target pointing back, and whether it is to-many."""
    back = getattr(entity.model, nav.attr).property.back_populates
    target = ENTITY_TYPES[nav.target].model
    attribute = getattr(target, back)
    return attribute, bool(attribute.property.uselist)


def _related_to(entity: EntityType, nav: Nav, condition: ColumnElement[bool]) -> Any:
    """Entities of `nav`'s target that are related to an `entity` matching `condition`."""
    attribute, many = inverse(entity, nav)
    if many:
        return attribute.any(condition)
    # A foreign key on the target: `fk IN (SELECT id ...)` lets SQLite use the
    # (datastream_id, phenomenon_time_start) index, where a correlated EXISTS scans the table.
    (foreign_key,) = attribute.property.local_columns
    return foreign_key.in_(select(entity.model.id).where(condition))


Visibility = Callable[[str], Any] | None


def step_condition(steps: tuple[Step, ...], visible: Visibility = None) -> ColumnElement[bool]:
    """The condition on the last step's entity; with `visible`, every entity on the way must
    be visible too (a public Observation is not reachable through a restricted Thing)."""
    condition: ColumnElement[bool] = true()
    previous: Step | None = None
    for step in steps:
        current: ColumnElement[bool] = true()
        if previous is not None and step.via is not None:
            current = _related_to(previous.entity, step.via, condition)
        if step.id is not None:
            current = current & (step.entity.model.id == step.id)
        if visible is not None:
            current = current & visible(step.entity.name)
        condition, previous = current, step
    return condition


def ensure_parents_exist(db: Session, path: ResourcePath, visible: Visibility = None) -> None:
    for length in range(1, len(path.steps)):
        prefix = path.steps[:length]
        model = prefix[-1].entity.model
        found = select(model.id).where(step_condition(prefix, visible)).limit(1)
        if db.scalar(found) is None:
            last = prefix[-1]
            raise NotFoundError(f"{last.entity.name} {last.id or ''} does not exist here.".strip())


def base_query(path: ResourcePath, visible: Visibility = None) -> Select[Any]:
    model = path.target.entity.model
    return select(model).where(step_condition(path.steps, visible))


def apply_filter_and_order(
    query: Select[Any],
    entity: EntityType,
    options: QueryOptions,
    dialect: str,
    postgis: bool,
    visible: Visibility = None,
) -> Select[Any]:
    compiler = Compiler(entity, dialect, postgis=postgis, visible=visible)
    if options.filter is not None:
        query = query.where(compiler.condition(options.filter))
    for expression, descending in options.orderby:
        key = compiler.order_key(expression)
        query = query.order_by(key.desc() if descending else key.asc())
    # A stable order makes $skip paging reliable.
    return query.order_by(entity.model.id.asc())


_POSTGIS: dict[str, bool] = {}


def has_postgis(db: Session) -> bool:
    """Whether the database has PostGIS and our geometry function (looked up once per URL)."""
    engine = db.get_bind()
    if engine.dialect.name != "postgresql":
        return False
    key = str(engine.engine.url)
    if key not in _POSTGIS:
        found = db.execute(
            text("SELECT 1 FROM pg_proc WHERE proname = 'smartcity_geometry'")
        ).first()
        _POSTGIS[key] = found is not None
    return _POSTGIS[key]


def stopped(budget: QueryBudget) -> Unavailable:
    """The error of a read stopped by its budget."""
    if budget.cancelled:
        return Unavailable("The client disconnected; the read was stopped.")
    return Unavailable(
        f"The read took longer than {budget.seconds:g} seconds (the limit "
        "SMARTCITY_STA_READ_TIMEOUT_SECONDS) and was stopped; ask for less: a smaller $top, "
        "fewer $expand levels, a narrower $filter."
    )


class Reader:
    def __init__(
        self,
        db: Session,
        links: Links,
        *,
        max_top: int,
        visible: Visibility = None,
        estimate_count_above: int = 0,
        max_entities: int = 0,
        budget: QueryBudget | None = None,
    ) -> None:
        self.db = db
        self.links = links
        self.max_top = max_top
        self.visible = visible
        self.estimate_count_above = estimate_count_above
        # Bounds of one response: entities written (0: none), and time (see QueryBudget).
        self.max_entities = max_entities
        self.budget = budget
        self.written = 0
        self.dialect = db.get_bind().dialect.name
        self.postgis = has_postgis(db)

    def collection(
        self,
        query: Select[Any],
        entity: EntityType,
        options: QueryOptions,
        next_url: str | None,
        *,
        raw: bool = False,
    ) -> dict[str, Any]:
        """One page of a collection; `raw` leaves the rows as model objects."""
        query = apply_filter_and_order(
            query, entity, options, self.dialect, self.postgis, self.visible
        )
        top = DEFAULT_TOP if options.top is None else options.top
        page_query = query.offset(options.skip).limit(top + 1)
        plan = _plan_of(entity, options)
        if raw:
            rows = list(self.db.scalars(page_query))
        else:
            # Plain rows of the columns the answer needs, in the plan's order: building ORM
            # objects, and reading columns nobody asked for, was most of a large page's time.
            rows = list(self.db.execute(page_query.with_only_columns(*plan.selectable(entity))))
        body: dict[str, Any] = {}
        if options.count:
            body["@iot.count"] = self.count(query, entity)
        page = rows[:top]
        values: list[Any] = []
        if raw:
            values = page
        else:
            newest = self._newest_observations(entity, options, page)
            for row in page:
                try:
                    values.append(self.entity(row, entity, options, plan, newest))
                except TooManyEntities:
                    if next_url is None or not values:
                        raise  # inside an expansion, or one entity alone is too large
                    # Server-driven paging (OGC 18-088, 9.3.3.3): the page ends here.
                    body["@iot.nextLink"] = next_url.format(
                        skip=options.skip + len(values), top=top
                    )
                    break
        if len(rows) > top and next_url is not None and "@iot.nextLink" not in body:
            body["@iot.nextLink"] = next_url.format(skip=options.skip + top, top=top)
        body["value"] = values
        return body

    def _newest_observations(
        self, entity: EntityType, options: QueryOptions, page: list[Any]
    ) -> dict[int, Any] | None:
        """For `$expand=Observations($top=1;$orderby=phenomenonTime desc)` on a page of
        Datastreams or MultiDatastreams: each one's newest Observation (a row of the expansion's
        plan), read for the whole page in one statement of one index seek per stream, instead
        of one statement per stream. The answer is the generic expansion's: the same order
        (phenomenonTime descending, then id ascending) and the same visibility (the streams
        on the page are visible, and so are their Observations)."""
        if entity.name not in ("Datastream", "MultiDatastream") or not page:
            return None
        expand = next((e for e in options.expand if e.nav == "Observations"), None)
        if expand is None or not _is_newest_only(expand.options):
            return None
        target = ENTITY_TYPES["Observation"]
        plan = _plan_of(target, expand.options)
        stream = entity.model
        inner = aliased(models.Observation)
        key = inner.datastream_id if entity.name == "Datastream" else inner.multi_datastream_id
        order = (inner.phenomenon_time_start.desc(), inner.id.asc())
        streams = [row.id for row in page]
        statement: Select[Any]
        if self.dialect == "postgresql":
            # LATERAL: one ordered index probe per stream and partition. Matching ids from a
            # scalar subquery instead made PostgreSQL run that subquery once per partition.
            newest = (
                select(*(getattr(inner, column) for column in plan.columns))
                .where(key == stream.id)
                .order_by(*order)
                .limit(1)
                .correlate(stream)
                .lateral()
            )
            statement = (
                select(stream.id, *newest.c).join(newest, true()).where(stream.id.in_(streams))
            )
        else:
            newest_id = (
                select(inner.id)
                .where(key == stream.id)
                .order_by(*order)
                .limit(1)
                .correlate(stream)
                .scalar_subquery()
            )
            wanted = select(newest_id).where(stream.id.in_(streams))
            parent = (
                models.Observation.datastream_id
                if entity.name == "Datastream"
                else models.Observation.multi_datastream_id
            )
            statement = select(parent.label("parent_id"), *plan.selectable(target)).where(
                models.Observation.id.in_(wanted)
            )
        return {found[0]: found[1:] for found in self.db.execute(statement)}

    def count(self, query: Select[Any], entity: EntityType) -> int:
        """Exact, unless PostgreSQL's planner expects more rows than the configured limit:
        then its estimate, so that $count stays fast on a table of 100 million rows."""
        counted = query.order_by(None).with_only_columns(entity.model.id)
        if self.estimate_count_above > 0 and self.dialect == "postgresql":
            estimate = self._planner_estimate(counted, entity)
            if estimate > self.estimate_count_above:
                return estimate
        return int(self.db.scalar(select(func.count()).select_from(counted.subquery())) or 0)

    def _planner_estimate(self, query: Select[Any], entity: EntityType) -> int:
        scope = scope_of(self.db)
        if not isinstance(scope, TenantScope):
            return 0
        # Compiled by hand, so the ORM's tenant criterion is not added: add it here.
        tenant_query = query.where(entity.model.municipality_id == scope.municipality_id)
        try:
            statement = tenant_query.compile(
                dialect=self.db.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
        except CompileError:
            return 0  # a value without a literal form: count exactly instead
        plan = self.db.execute(text(f"EXPLAIN (FORMAT JSON) {statement}")).scalar()
        return int(plan[0]["Plan"]["Plan Rows"]) if plan else 0

    def entity(
        self,
        row: Any,
        entity: EntityType,
        options: QueryOptions,
        plan: _Plan | None = None,
        newest: dict[int, Any] | None = None,
    ) -> dict[str, Any]:
        """One entity as JSON. `row` is a model object, or a row of `plan`'s columns;
        `newest` holds the Observations of a newest-only expansion read for the whole page."""
        self.written += 1
        if self.max_entities and self.written > self.max_entities:
            raise TooManyEntities(self.max_entities)
        if self.budget is not None and self.budget.spent():
            raise stopped(self.budget)
        if plan is None:
            selected = set(options.select) if options.select is not None else None
            expanded = {expand.nav for expand in options.expand}
            body = plain_entity(self.links, row, entity, selected, expanded)
        else:
            body = plan.write(self.links, row)
        for expand in options.expand:
            expanded_nav = entity.nav(expand.nav)
            assert expanded_nav is not None
            nav = expanded_nav
            target = ENTITY_TYPES[nav.target]
            if newest is not None and nav.name == "Observations":
                found = newest.get(row.id)
                body[nav.name] = (
                    []
                    if found is None
                    else [
                        self.entity(found, target, expand.options, _plan_of(target, expand.options))
                    ]
                )
                continue
            query = select(target.model).where(_related_to(entity, nav, entity.model.id == row.id))
            if self.visible is not None:
                query = query.where(self.visible(target.name))
            if nav.many:
                page = self.collection(query, target, expand.options, None)
                body[nav.name] = page["value"]
                if "@iot.count" in page:
                    body[f"{nav.name}@iot.count"] = page["@iot.count"]
            else:
                related = self.db.scalar(query)
                body[nav.name] = (
                    self.entity(related, target, expand.options) if related is not None else None
                )
        return body

    @staticmethod
    def field_value(row: Any, entity: EntityType, name: str) -> Any:
        if name == "id":
            return row.id
        field = entity.field(name)
        if field is None:
            raise BadRequest(f"'{entity.name}' has no property '{name}'.")
        return _format(row, field)


def plain_entity(
    links: Links,
    row: Any,
    entity: EntityType,
    selected: set[str] | None = None,
    expanded: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """An entity's own properties and navigation links (no expansion, no database).
    `row` is a model object or a row with the entity's attributes as names."""
    plan = _plan(entity, None if selected is None else frozenset(selected), frozenset(expanded))
    return plan.write(links, tuple(getattr(row, column) for column in plan.columns))


@dataclass(frozen=True)
class _Plan:
    """What an entity's JSON holds for one $select and $expand, worked out once instead of
    for every entity of a page: the columns to read, in order, and how to write them."""

    plural: str
    columns: tuple[str, ...]  # model attributes; "id" first
    with_id: bool
    fields: tuple[tuple[str, int, int, str | None], ...]  # key, column, end column, kind
    navs: tuple[tuple[str, str, int], ...]  # key, link suffix, column that must be None (or -1)

    def write(self, links: Links, row: Sequence[Any]) -> dict[str, Any]:
        """The JSON of one row holding `columns` in order."""
        body: dict[str, Any] = {}
        self_link = f"{links.base}/{self.plural}({row[0]})"
        if self.with_id:
            body["@iot.id"] = row[0]
            body["@iot.selfLink"] = self_link
        for key, index, end, kind in self.fields:
            value = row[index]
            if value is not None and kind is not None:
                value = (
                    format_instant(value) if kind == "instant" else format_interval(value, row[end])
                )
            body[key] = value
        for key, suffix, absent in self.navs:
            # An Observation belongs to a Datastream or to a MultiDatastream, never both: the
            # link to the other one would always lead to nothing.
            if absent < 0 or row[absent] is None:
                body[key] = self_link + suffix
        return body

    def selectable(self, entity: EntityType) -> list[Any]:
        return [getattr(entity.model, column) for column in self.columns]


def _plan_of(entity: EntityType, options: QueryOptions) -> _Plan:
    selected = frozenset(options.select) if options.select is not None else None
    return _plan(entity, selected, frozenset(expand.nav for expand in options.expand))


def _is_newest_only(options: QueryOptions) -> bool:
    """`$top=1;$orderby=phenomenonTime desc` and nothing that changes which one or how many."""
    if options.top != 1 or options.skip or options.count or options.filter is not None:
        return False
    if options.expand or len(options.orderby) != 1:
        return False
    expression, descending = options.orderby[0]
    return (
        descending
        and isinstance(expression, odata_ast.Identifier)
        and expression.name == "phenomenonTime"
    )


# Navigation properties that do not apply when the named attribute is set (OGC 18-088, 8.2.6
# and 14.2.4: an Observation is linked to exactly one of the two).
_EXCLUSIVE_NAVS = {
    ("Observation", "MultiDatastream"): "datastream_id",
    ("Observation", "Datastream"): "multi_datastream_id",
}
_PLANS: dict[tuple[str, frozenset[str] | None, frozenset[str]], _Plan] = {}


def _plan(entity: EntityType, selected: frozenset[str] | None, expanded: frozenset[str]) -> _Plan:
    key = (entity.name, selected, expanded)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    columns = ["id"]

    def column(attr: str | None) -> int:
        if attr is None:
            return -1
        if attr not in columns:
            columns.append(attr)
        return columns.index(attr)

    fields = tuple(
        (
            field.name,
            column(field.attr),
            column(field.end_attr) if field.kind == "interval" else -1,
            field.kind if field.kind in ("instant", "interval") else None,
        )
        for field in entity.fields
        if selected is None or field.name in selected
    )
    navs = tuple(
        (
            f"{nav.name}@iot.navigationLink",
            f"/{nav.name}",
            column(_EXCLUSIVE_NAVS.get((entity.name, nav.name))),
        )
        for nav in entity.navs
        if nav.name not in expanded and (selected is None or nav.name in selected)
    )
    plan = _Plan(entity.plural, tuple(columns), selected is None or "id" in selected, fields, navs)
    if len(_PLANS) < 4096:  # $select lists come from clients: keep the cache bounded
        _PLANS[key] = plan
    return plan


def _format(row: Any, field: Field) -> Any:
    value = getattr(row, field.attr)
    if field.kind == "instant":
        return format_instant(value)
    if field.kind == "interval":
        return format_interval(value, getattr(row, field.end_attr or ""))
    return value
