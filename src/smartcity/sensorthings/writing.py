"""Creating, changing and deleting entities (OGC 18-088, 10): deep insert at every level,
links to existing entities by `@iot.id`, generated FeaturesOfInterest and HistoricalLocations.
Everything happens in the request's transaction, so a failed deep insert leaves nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import MAX_ROW_ID, utcnow
from smartcity.sensorthings import models, rollups
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType, Field, Nav
from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.results import check_multi_result, check_result
from smartcity.sensorthings.values import (
    check_geojson,
    parse_instant,
    parse_interval,
    typed_result,
)

MAX_DEPTH = 10


def _is_annotation(key: str) -> bool:
    return key.startswith("@") or "@iot." in key


class Writer:
    def __init__(self, db: Session) -> None:
        self.db = db
        self._history_written: set[int] = set()
        # Features generated in this request, by Location (they are not flushed yet).
        self._features: dict[int, models.FeatureOfInterest] = {}

    # ---- create -----------------------------------------------------------------------

    def create(
        self,
        entity: EntityType,
        payload: Any,
        *,
        parent: tuple[Nav, Any] | None = None,
        depth: int = 0,
    ) -> Any:
        """Create an entity (and everything nested in it). `parent` is the navigation
        property and object the entity hangs from (POST Datastreams(1)/Observations)."""
        # Half-built rows must not be flushed while the graph is assembled.
        created: list[tuple[EntityType, Any]] = []
        with self.db.no_autoflush:
            row = self._build(entity, payload, parent=parent, depth=depth, created=created)
        self.db.flush()
        for kind, made in created:
            self._after_location_change(kind, made)
            if kind.name == "MultiDatastream":
                self._number_observed_properties(made)
        rollups.add_observations(
            self.db,
            (
                (made.datastream_id, made.phenomenon_time_start, made.result_number)
                for kind, made in created
                if kind.name == "Observation"
            ),
        )
        return row

    def _build(
        self,
        entity: EntityType,
        payload: Any,
        *,
        parent: tuple[Nav, Any] | None,
        depth: int,
        created: list[tuple[EntityType, Any]],
    ) -> Any:
        if depth > MAX_DEPTH:
            raise BadRequest(f"Deep insert is nested deeper than {MAX_DEPTH} levels.")
        if not isinstance(payload, dict):
            raise BadRequest(f"A {entity.name} must be a JSON object.")
        if "@iot.id" in payload and depth > 0:
            return self.link(entity, payload)
        row = entity.model()
        self.db.add(row)
        created.append((entity, row))
        self._set_fields(entity, row, payload, partial=False)
        if entity.name == "Observation" and "phenomenonTime" not in payload:
            row.phenomenon_time_start = utcnow()  # 18-088: the server's time when not given
        if entity.name == "Task" and "creationTime" not in payload:
            row.creation_time = utcnow()  # 17-079: set by the service
        nested = _navigations(entity, payload)
        parent_nav = parent[0] if parent is not None else None
        for nav in entity.navs:
            if not nav.many:
                given = next((v for n, v in nested if n.name == nav.name), None)
                if parent_nav is not None and parent_nav.name == nav.name:
                    setattr(row, nav.attr, parent[1])  # type: ignore[index]
                elif given is not None:
                    target = ENTITY_TYPES[nav.target]
                    child = self._build(
                        target, given, parent=None, depth=depth + 1, created=created
                    )
                    setattr(row, nav.attr, child)
                elif nav.required:
                    raise BadRequest(f"A {entity.name} needs its {nav.name}.")
        if entity.name == "Observation":
            self._check_observation(row)
        if parent_nav is not None and parent_nav.many:
            getattr(row, parent_nav.attr).append(parent[1])  # type: ignore[index]
        many = [(nav, value) for nav, value in nested if nav.many]
        # Observations last: a MultiDatastream's ObservedProperties decide their shape.
        self._add_children(
            entity, row, [m for m in many if m[0].name != "Observations"], depth, created
        )
        if entity.name == "MultiDatastream":
            self._check_multi_datastream(row)
        self._add_children(
            entity, row, [m for m in many if m[0].name == "Observations"], depth, created
        )
        return row

    def _add_children(
        self,
        entity: EntityType,
        row: Any,
        children: list[tuple[Nav, Any]],
        depth: int,
        created: list[tuple[EntityType, Any]],
    ) -> None:
        for nav, value in children:
            if not isinstance(value, list):
                raise BadRequest(f"'{nav.name}' must be a JSON array.")
            target = ENTITY_TYPES[nav.target]
            for item in value:
                child = self._build(
                    target,
                    item,
                    parent=(inverse_nav(entity, nav), row),
                    depth=depth + 1,
                    created=created,
                )
                if child not in getattr(row, nav.attr):
                    getattr(row, nav.attr).append(child)

    def link(self, entity: EntityType, payload: dict[str, Any]) -> Any:
        """An existing entity named by @iot.id (other properties, as FROST's client sends
        them, are ignored)."""
        ident = payload["@iot.id"]
        if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident <= MAX_ROW_ID:
            raise BadRequest(f"@iot.id of a {entity.name} must be an integer id.")
        row = self.db.get(entity.model, ident)
        if row is None:
            raise BadRequest(f"There is no {entity.name} with @iot.id {ident} to link to.")
        return row

    def _set_fields(
        self, entity: EntityType, row: Any, payload: dict[str, Any], *, partial: bool
    ) -> None:
        for field in entity.fields:
            if field.name not in payload:
                if not partial and field.required:
                    raise BadRequest(f"A {entity.name} needs '{field.name}'.")
                if not partial and field.name == "description":
                    row.description = ""
                continue
            self._set_field(entity, row, field, payload[field.name])

    def _set_field(self, entity: EntityType, row: Any, field: Field, value: Any) -> None:
        label = f"{entity.name}.{field.name}"
        if value is None and (field.required or not field.nullable):
            raise BadRequest(f"'{label}' must not be null.")
        if field.kind == "text":
            if not isinstance(value, str):
                raise BadRequest(f"'{label}' must be a string.")
            setattr(row, field.attr, value)
        elif field.kind == "json":
            if value is not None and not isinstance(value, dict):
                raise BadRequest(f"'{label}' must be a JSON object.")
            setattr(row, field.attr, value)
        elif field.kind == "geojson":
            setattr(row, field.attr, None if value is None else check_geojson(value, label))
        elif field.kind == "instant":
            setattr(row, field.attr, None if value is None else parse_instant(value, label))
        elif field.kind == "interval":
            start, end = (None, None) if value is None else parse_interval(value, label)
            setattr(row, field.attr, start)
            setattr(row, field.end_attr or "", end)
        elif field.kind == "result":
            for attr, typed in typed_result(value).items():
                setattr(row, attr, typed)
        else:
            setattr(row, field.attr, value)

    def _number_observed_properties(self, row: models.MultiDatastream) -> None:
        """Keep the ObservedProperties in the order given: it is the result array's order."""
        table = models.multi_datastream_observed_property
        for position, observed_property in enumerate(row.observed_properties):
            self.db.execute(
                table.update()
                .where(
                    table.c.multi_datastream_id == row.id,
                    table.c.observed_property_id == observed_property.id,
                )
                .values(position=position)
            )

    def _check_observation(self, row: models.Observation) -> None:
        if (row.datastream is None) == (row.multi_datastream is None):
            raise BadRequest("An Observation belongs to one Datastream or one MultiDatastream.")
        if row.multi_datastream is not None:
            types: list[Any] = list(row.multi_datastream.multi_observation_data_types or [])
            types += [None] * (len(row.multi_datastream.observed_properties) - len(types))
            check_multi_result(types, row.result_json)
        elif row.datastream is not None:
            check_result(row.datastream.observation_type, row.result_json)
        if row.feature_of_interest is None:
            row.feature_of_interest = self.feature_from_location(
                row.datastream or row.multi_datastream
            )

    @staticmethod
    def _check_multi_datastream(row: models.MultiDatastream) -> None:
        count = len(row.observed_properties)
        if count == 0:
            raise BadRequest("A MultiDatastream needs its ObservedProperties.")
        for name in ("multi_observation_data_types", "unit_of_measurements"):
            value = getattr(row, name)
            if not isinstance(value, list) or len(value) != count:
                label = (
                    "multiObservationDataTypes"
                    if name.startswith("multi")
                    else ("unitOfMeasurements")
                )
                raise BadRequest(f"'{label}' must be an array with one entry per ObservedProperty.")

    def feature_from_location(
        self, datastream: models.Datastream | models.MultiDatastream | None
    ) -> Any:
        """OGC 18-088 10.2: an Observation without FeatureOfInterest gets the one made from
        its Thing's Location, created once and reused."""
        if datastream is None:
            raise BadRequest("An Observation needs its Datastream.")
        locations = datastream.thing.locations
        if not locations:
            raise BadRequest(
                "The Observation has no FeatureOfInterest and its Thing has no Location to "
                "derive one from."
            )
        location = locations[0]
        if id(location) in self._features:
            return self._features[id(location)]
        existing = (
            None
            if location.id is None
            else self.db.scalar(
                select(models.FeatureOfInterest).where(
                    models.FeatureOfInterest.source_location_id == location.id
                )
            )
        )
        if existing is not None:
            self._features[id(location)] = existing
            return existing
        feature = models.FeatureOfInterest(
            name=location.name,
            description=location.description,
            encoding_type=location.encoding_type,
            feature=location.location,
        )
        feature.source_location = location
        self.db.add(feature)
        self._features[id(location)] = feature
        return feature

    def _after_location_change(self, entity: EntityType, row: Any) -> None:
        if entity.name == "Thing" and row.locations:
            self._record_history(row)
        elif entity.name == "Location":
            for thing in row.things:
                self._record_history(thing)

    def _record_history(self, thing: models.Thing) -> None:
        """One HistoricalLocation per Thing and request, however the locations were set."""
        if id(thing) in self._history_written:
            return
        self._history_written.add(id(thing))
        history = models.HistoricalLocation(time=utcnow())
        self.db.add(history)
        with self.db.no_autoflush:
            history.thing = thing
            history.locations = list(thing.locations)
        self.db.flush()

    # ---- update -----------------------------------------------------------------------

    def update(self, entity: EntityType, row: Any, payload: Any, *, replace: bool) -> Any:
        if not isinstance(payload, dict):
            raise BadRequest(f"A {entity.name} update must be a JSON object.")
        if "@iot.id" in payload and payload["@iot.id"] != row.id:
            raise BadRequest("@iot.id cannot be changed.")
        before = (
            (row.datastream_id, row.phenomenon_time_start) if entity.name == "Observation" else None
        )
        if replace:
            missing = [f.name for f in entity.fields if f.required and f.name not in payload]
            if missing:
                raise BadRequest(f"PUT replaces the whole {entity.name}; missing: {missing}.")
        self._set_fields(entity, row, payload, partial=not replace)
        if replace:
            for field in entity.fields:
                if field.name not in payload:
                    self._reset_field(entity, row, field)
        locations_changed = False
        for nav, value in _navigations(entity, payload):
            target = ENTITY_TYPES[nav.target]
            if nav.many:
                if not isinstance(value, list):
                    raise BadRequest(f"'{nav.name}' must be a JSON array.")
                linked = [self._link_or_create(target, item) for item in value]
                setattr(row, nav.attr, linked)
                locations_changed |= entity.name == "Thing" and nav.name == "Locations"
            else:
                setattr(row, nav.attr, self._link_or_create(target, value))
        if entity.name == "Observation" and "result" in payload:
            for attr, typed in typed_result(payload["result"]).items():
                setattr(row, attr, typed)
        self.db.flush()
        if locations_changed and row.locations:
            self._record_history(row)
        if before is not None:
            rollups.recompute(self.db, before[0], [before[1]])
            rollups.recompute(self.db, row.datastream_id, [row.phenomenon_time_start])
        return row

    @staticmethod
    def _reset_field(entity: EntityType, row: Any, field: Field) -> None:
        """PUT replaces the entity: what the body leaves out goes back to its default."""
        if field.name == "description":
            row.description = ""
        elif not field.nullable:
            setattr(row, field.attr, utcnow())
        elif field.kind == "result":
            for attr in typed_result(None):
                setattr(row, attr, None)
        else:
            setattr(row, field.attr, None)
        if field.end_attr:
            setattr(row, field.end_attr, None)

    def _link_or_create(self, entity: EntityType, value: Any) -> Any:
        if isinstance(value, dict) and "@iot.id" in value:
            return self.link(entity, value)
        return self.create(entity, value)

    # ---- delete -----------------------------------------------------------------------

    def delete(self, row: Any) -> None:
        # Cascades (OGC 18-088 10.4) follow the ORM relationships: a Thing takes its
        # Datastreams and HistoricalLocations, a Datastream its Observations, and so on.
        # Rollups of a deleted Datastream go with it (foreign key); when only some of a
        # Datastream's Observations go, their buckets are recomputed.
        affected: list[tuple[int | None, Any]] = []
        if isinstance(row, models.Observation):
            affected = [(row.datastream_id, row.phenomenon_time_start)]
        elif isinstance(row, models.FeatureOfInterest):
            affected = [(o.datastream_id, o.phenomenon_time_start) for o in row.observations]
        self.db.delete(row)
        self.db.flush()
        for datastream_id, moment in affected:
            rollups.recompute(self.db, datastream_id, [moment])


def _navigations(entity: EntityType, payload: dict[str, Any]) -> list[tuple[Nav, Any]]:
    """The navigation properties a payload sets; anything unknown is an error."""
    found: list[tuple[Nav, Any]] = []
    for key, value in payload.items():
        if _is_annotation(key) or entity.field(key) or key == "id":
            continue
        nav = entity.nav(key)
        if nav is None:
            raise BadRequest(f"'{entity.name}' has no property '{key}'.")
        found.append((nav, value))
    return found


def inverse_nav(entity: EntityType, nav: Nav) -> Nav:
    back = getattr(entity.model, nav.attr).property.back_populates
    target = ENTITY_TYPES[nav.target]
    found = next((n for n in target.navs if n.attr == back), None)
    assert found is not None, f"no inverse for {entity.name}.{nav.name}"
    return found
