"""SensorThings operations behind the HTTP routes and the batch endpoint: one object per
request that knows the session, the links, and what the caller may see and do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jsonpatch
import jsonpointer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from smartcity.core.db import QueryBudget, limited
from smartcity.core.identity.permissions import Principal
from smartcity.sensorthings import access, data_array
from smartcity.sensorthings.entities import EntityType
from smartcity.sensorthings.errors import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFoundError,
    StaError,
    Unauthorized,
)
from smartcity.sensorthings.paths import ResourcePath, parse_path
from smartcity.sensorthings.permissions import STA_READ_RESTRICTED, STA_WRITE
from smartcity.sensorthings.query import QueryOptions, parse_options
from smartcity.sensorthings.reading import (
    Links,
    Reader,
    base_query,
    ensure_parents_exist,
    stopped,
)
from smartcity.sensorthings.writing import Writer, inverse_nav

# SQLSTATE classes that mean "this query cannot be evaluated" (data exceptions, type errors),
# not "the database is unwell": the client asked for something impossible.
QUERY_ERROR_CLASSES = ("22", "42")
# PostgreSQL's statement_timeout (or a cancel) stopped the statement.
QUERY_CANCELED = "57014"
MAX_BATCH_REQUESTS = 1000


@dataclass
class Outcome:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    plain_text: bool = False


class StaService:
    def __init__(
        self,
        db: Session,
        links: Links,
        *,
        max_top: int,
        principal: Principal,
        estimate_count_above: int = 0,
        max_entities: int = 0,
        budget: QueryBudget | None = None,
    ) -> None:
        self.db = db
        self.links = links
        self.max_top = max_top
        self.estimate_count_above = estimate_count_above
        self.max_entities = max_entities
        self.budget = budget
        self.principal = principal
        self.visible = None if principal.can(STA_READ_RESTRICTED) else access.visible

    # ---- reading ----------------------------------------------------------------------

    def read(self, path: str, params: dict[str, str]) -> Outcome:
        try:
            if self.budget is None:
                return self._read(path, params)
            with limited(self.db, self.budget):
                return self._read(path, params)
        except DBAPIError as exc:
            code = str(getattr(exc.orig, "sqlstate", "") or "")
            if self.budget is not None and (code == QUERY_CANCELED or self.budget.spent()):
                raise stopped(self.budget) from None
            if exc.connection_invalidated or not code.startswith(QUERY_ERROR_CLASSES):
                raise
            raise BadRequest(
                "The query cannot be evaluated (probably comparing values of different types)."
            ) from None

    def _read(self, path: str, params: dict[str, str]) -> Outcome:
        resource = parse_path(path)
        reader = Reader(
            self.db,
            self.links,
            max_top=self.max_top,
            visible=self.visible,
            estimate_count_above=self.estimate_count_above,
            max_entities=self.max_entities,
            budget=self.budget,
        )
        entity = resource.target.entity
        options = parse_options(params, entity, max_top=self.max_top)
        next_url = self._next_url(path, params)
        if options.result_format not in (None, "dataArray"):
            raise BadRequest(f"Unknown $resultFormat {options.result_format!r}; known: dataArray.")
        if resource.target.is_collection:
            ensure_parents_exist(self.db, resource, self.visible)
        query = base_query(resource, self.visible)
        if options.result_format == "dataArray":
            if entity.name != "Observation" or not resource.target.is_collection:
                raise BadRequest("$resultFormat=dataArray applies to collections of Observations.")
            selected, options.select = options.select, None
            page = reader.collection(query, entity, options, next_url, raw=True)
            return Outcome(
                200, {**page, **data_array.as_data_array(reader, page.pop("value"), selected)}
            )
        if resource.ref:
            return self._references(reader, resource, options, next_url)
        if resource.target.is_collection:
            return Outcome(200, reader.collection(query, entity, options, next_url))
        row = self.single(resource)
        if resource.prop is not None or resource.id_property:
            name = resource.prop.name if resource.prop else "id"
            value = reader.field_value(row, entity, name)
            if not resource.value:
                return Outcome(200, {name: value})
            if value is None:
                return Outcome(204)
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return Outcome(200, text, plain_text=True)
        return Outcome(200, reader.entity(row, entity, options))

    def _references(
        self, reader: Reader, resource: ResourcePath, options: QueryOptions, next_url: str
    ) -> Outcome:
        entity = resource.target.entity
        if not resource.target.is_collection:
            row = self.single(resource)
            return Outcome(200, {"@iot.selfLink": self.links.entity(entity, row.id)})
        ref_options = QueryOptions(
            top=options.top,
            skip=options.skip,
            count=options.count,
            orderby=options.orderby,
            filter=options.filter,
            select=["id"],
        )
        body = reader.collection(base_query(resource, self.visible), entity, ref_options, next_url)
        body["value"] = [{"@iot.selfLink": v["@iot.selfLink"]} for v in body["value"]]
        return Outcome(200, body)

    def _next_url(self, path: str, params: dict[str, str]) -> str:
        kept = {k: v for k, v in params.items() if k not in ("$skip", "$top")}
        # Braces are placeholders filled in by the reader with the next page's numbers.
        query = urlencode(kept, safe="$,()/'").replace("{", "%7B").replace("}", "%7D")
        extra = "&" + query if query else ""
        return f"{self.links.base}/{path}?$top={{top}}&$skip={{skip}}{extra}"

    def single(self, path: ResourcePath) -> Any:
        ensure_parents_exist(self.db, path, self.visible)
        row = self.db.scalar(base_query(path, self.visible))
        if row is None:
            target = path.target
            raise NotFoundError(
                f"{target.entity.name} {target.id or ''} does not exist here.".strip()
            )
        return row

    # ---- writing ----------------------------------------------------------------------

    def _require_write(self) -> None:
        if self.principal.can(STA_WRITE):
            return
        if not self.principal.is_authenticated:
            raise Unauthorized("Writing needs an API key with scope sta:write or a staff login.")
        raise Forbidden("Writing needs the permission 'sta.write'.")

    def create(self, path: str, payload: Any) -> Outcome:
        self._require_write()
        resource = parse_path(path)
        if resource.ref or resource.prop or resource.id_property:
            raise MethodNotAllowed("POST creates entities in a collection.")
        target = resource.target
        if not target.is_collection:
            raise MethodNotAllowed(
                "POST goes to a collection, e.g. Things or Things(1)/Datastreams."
            )
        parent = None
        if len(resource.steps) > 1:
            parent_path = ResourcePath(resource.steps[:-1])
            assert target.via is not None
            parent = (inverse_nav(parent_path.target.entity, target.via), self.single(parent_path))
        row = Writer(self.db).create(target.entity, payload, parent=parent)
        body = Reader(self.db, self.links, max_top=1).entity(row, target.entity, QueryOptions())
        return Outcome(201, body, {"Location": self.links.entity(target.entity, row.id)})

    def update(self, path: str, payload: Any, *, replace: bool, json_patch: bool) -> Outcome:
        self._require_write()
        resource = parse_path(path)
        if resource.target.is_collection or resource.ref or resource.prop:
            raise MethodNotAllowed("Updates go to a single entity, e.g. Things(1).")
        row = self.single(resource)
        entity = resource.target.entity
        reader = Reader(self.db, self.links, max_top=1)
        if json_patch:
            payload = apply_json_patch(reader, row, entity, payload)
            replace = False
        Writer(self.db).update(entity, row, payload, replace=replace)
        return Outcome(200, reader.entity(row, entity, QueryOptions()))

    def delete(self, path: str) -> Outcome:
        self._require_write()
        resource = parse_path(path)
        if resource.target.is_collection or resource.ref or resource.prop:
            raise MethodNotAllowed("DELETE goes to a single entity, e.g. Things(1).")
        Writer(self.db).delete(self.single(resource))
        return Outcome(200)

    # ---- batch ------------------------------------------------------------------------

    def batch(self, payload: Any) -> Outcome:
        """OData JSON batch (OGC 18-088, 14.2): requests run in order; an atomicity group
        succeeds or fails as a whole; `$<id>` refers to an entity created earlier."""
        requests = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(requests, list) or not all(isinstance(r, dict) for r in requests):
            raise BadRequest('A batch is a JSON object {"requests": [ ... ]}.')
        if len(requests) > MAX_BATCH_REQUESTS:
            raise BadRequest(f"At most {MAX_BATCH_REQUESTS} requests per batch.")
        created: dict[str, str] = {}
        responses: list[dict[str, Any]] = []
        for group in _groups(requests):
            savepoint = self.db.begin_nested()
            group_responses: list[dict[str, Any]] = []
            failed = False
            for request in group:
                if failed:
                    group_responses.append(
                        _response(
                            request,
                            Outcome(
                                424,
                                _error(
                                    424, "Not run: another request of its atomicity group failed."
                                ),
                            ),
                        )
                    )
                    continue
                outcome = self._batch_one(request, created)
                group_responses.append(_response(request, outcome))
                failed = outcome.status >= 400 and group[0].get("atomicityGroup") is not None
            if failed:
                savepoint.rollback()
                group_responses = [
                    r
                    if r["status"] >= 400
                    else {
                        **r,
                        "status": 424,
                        "body": _error(
                            424, "Rolled back: another request of its atomicity group failed."
                        ),
                    }
                    for r in group_responses
                ]
                for request in group:
                    created.pop(str(request.get("id")), None)
            else:
                savepoint.commit()
            responses.extend(group_responses)
        return Outcome(200, {"responses": responses})

    def _batch_one(self, request: dict[str, Any], created: dict[str, str]) -> Outcome:
        method = str(request.get("method", "")).lower()
        try:
            path, params = self._batch_target(str(request.get("url", "")), created)
            body = _resolve_ids(request.get("body"), created)
            nested = self.db.begin_nested()  # one failed request must not spoil the others
            try:
                if method == "get":
                    outcome = self.read(path, params)
                elif method == "post":
                    outcome = self.create(path, body)
                    if request.get("id") is not None:
                        created[str(request["id"])] = outcome.headers["Location"].removeprefix(
                            self.links.base + "/"
                        )
                elif method in ("patch", "put"):
                    outcome = self.update(path, body, replace=method == "put", json_patch=False)
                elif method == "delete":
                    outcome = self.delete(path)
                else:
                    raise MethodNotAllowed(f"Unknown batch method {method!r}.")
            except BaseException:
                nested.rollback()
                raise
            nested.commit()
            return outcome
        except StaError as exc:
            return Outcome(exc.status, _error(exc.status, exc.message))

    def _batch_target(self, url: str, created: dict[str, str]) -> tuple[str, dict[str, str]]:
        parts = urlsplit(url)
        path = parts.path
        if path.startswith(self.links.base):
            path = path[len(self.links.base) :]
        elif "/sta/v1.1/" in path:
            path = path.split("/sta/v1.1/", 1)[1]
        path = path.lstrip("/")
        if path.startswith("$"):
            reference, _, rest = path[1:].partition("/")
            if reference not in created:
                raise BadRequest(f"${reference} does not refer to an entity created earlier.")
            path = created[reference] + ("/" + rest if rest else "")
        return path, dict(parse_qsl(parts.query, keep_blank_values=True))


def _groups(requests: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Requests of one atomicity group stand next to each other (OData 4.01); the others are
    groups of one."""
    groups: list[list[dict[str, Any]]] = []
    for request in requests:
        name = request.get("atomicityGroup")
        if name is not None and groups and groups[-1][0].get("atomicityGroup") == name:
            groups[-1].append(request)
        else:
            groups.append([request])
    return groups


def _resolve_ids(value: Any, created: dict[str, str]) -> Any:
    """`{"@iot.id": "$0"}` in a body refers to the entity the request with id 0 created."""
    if isinstance(value, dict):
        ident = value.get("@iot.id")
        if isinstance(ident, str) and ident.startswith("$"):
            target = created.get(ident[1:])
            if target is None:
                raise BadRequest(f"{ident} does not refer to an entity created earlier.")
            value = {**value, "@iot.id": int(target.rsplit("(", 1)[1].rstrip(")"))}
        return {key: _resolve_ids(item, created) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_ids(item, created) for item in value]
    return value


def _error(status: int, message: str) -> dict[str, Any]:
    return {"code": status, "type": "error", "message": message}


def _response(request: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    response: dict[str, Any] = {"id": request.get("id"), "status": outcome.status}
    if outcome.headers:
        response["headers"] = {k.lower(): v for k, v in outcome.headers.items()}
    if outcome.body is not None:
        response["body"] = outcome.body
    return response


def apply_json_patch(reader: Reader, row: Any, entity: EntityType, operations: Any) -> Any:
    """RFC 6902 operations on the entity's properties; returns the properties that changed."""
    if not isinstance(operations, list):
        raise BadRequest("A JSON Patch is a JSON array of operations.")
    current = {f.name: reader.field_value(row, entity, f.name) for f in entity.fields}
    try:
        patched = jsonpatch.apply_patch(current, operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as exc:
        raise BadRequest(f"The JSON Patch cannot be applied: {exc}") from None
    unknown = set(patched) - set(current)
    if unknown:
        raise BadRequest(f"'{entity.name}' has no property {sorted(unknown)[0]!r}.")
    # A removed property becomes null, as if the client had sent null for it.
    return {name: patched.get(name) for name in current if patched.get(name) != current[name]}
