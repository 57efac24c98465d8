"""Resource paths such as `Things(1)/Datastreams(2)/Observations`, `Things(1)/name/$value`
or `Datastreams(2)/Observations/$ref` (OGC 18-088, 9.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from smartcity.core.db import MAX_ROW_ID
from smartcity.sensorthings.entities import BY_PLURAL, ENTITY_TYPES, EntityType, Field, Nav
from smartcity.sensorthings.errors import BadRequest, NotFoundError

SEGMENT = re.compile(r"^(?P<name>[A-Za-z$]+)(?:\((?P<key>[^)]*)\))?$")


@dataclass(frozen=True)
class Step:
    entity: EntityType
    id: int | None
    via: Nav | None  # how we got here from the previous step

    @property
    def is_collection(self) -> bool:
        return self.id is None and (self.via is None or self.via.many)


@dataclass(frozen=True)
class ResourcePath:
    steps: tuple[Step, ...]
    prop: Field | None = None
    id_property: bool = False
    value: bool = False
    ref: bool = False

    @property
    def target(self) -> Step:
        return self.steps[-1]


def _key(raw: str | None, segment: str) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise NotFoundError(f"'{segment}': entity ids here are integers.") from None
    if not 0 <= value <= MAX_ROW_ID:
        raise NotFoundError(f"'{segment}' does not exist.")
    return value


def parse_path(path: str) -> ResourcePath:
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts:
        raise BadRequest("empty resource path")
    steps: list[Step] = []
    first = SEGMENT.match(parts[0])
    entity = BY_PLURAL.get(first.group("name")) if first else None
    if first is None or entity is None:
        raise NotFoundError(f"There is no entity set '{parts[0]}'.")
    steps.append(Step(entity, _key(first.group("key"), parts[0]), None))
    index = 1
    while index < len(parts):
        part = parts[index]
        current = steps[-1]
        match = SEGMENT.match(part)
        if match is None:
            raise NotFoundError(f"'{part}' is not a valid path segment.")
        name, key = match.group("name"), match.group("key")
        if name == "$ref":
            if index != len(parts) - 1:
                raise BadRequest("$ref must be the last path segment.")
            return ResourcePath(tuple(steps), ref=True)
        if current.is_collection:
            raise BadRequest(
                f"'{part}' must follow a single entity, e.g. {current.entity.plural}(1)."
            )
        nav = current.entity.nav(name)
        if nav is not None:
            if key is not None and not nav.many:
                raise BadRequest(f"'{name}' is a single entity; it takes no id.")
            steps.append(Step(ENTITY_TYPES[nav.target], _key(key, part), nav))
            index += 1
            continue
        if key is not None:
            raise NotFoundError(f"'{current.entity.name}' has no navigation property '{name}'.")
        field = current.entity.field(name)
        if field is None and name != "id":
            raise NotFoundError(f"'{current.entity.name}' has no property '{name}'.")
        rest = parts[index + 1 :]
        if rest not in ([], ["$value"]):
            raise BadRequest(f"Nothing can follow the property '{name}' except $value.")
        return ResourcePath(
            tuple(steps), prop=field, id_property=field is None, value=rest == ["$value"]
        )
    return ResourcePath(tuple(steps))
