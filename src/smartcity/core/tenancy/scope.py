"""Tenant scoping by construction.

Every ORM session carries a scope in `session.info["scope"]`:

* `TenantScope` - the session sees and writes rows of exactly one municipality. All ORM
  SELECT/UPDATE/DELETE statements on `TenantOwned` classes get the tenant criterion added
  (including relationship loads and `Session.get`), and flushing a row of another
  municipality raises `CrossTenantWrite`.
* `SYSTEM` - explicit cross-tenant access for the CLI, migrations, exports and region views.

A session without a scope may not touch tenant-owned data at all: forgetting the scope is an
error, never a silent cross-tenant read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from smartcity.core.tenancy.models import TenantOwned

SCOPE_KEY = "scope"


@dataclass(frozen=True)
class TenantScope:
    municipality_id: int
    region_id: int
    slug: str


class SystemScope:
    """Deliberate cross-tenant access. Use only where the whole instance is the subject."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemScope()

Scope = TenantScope | SystemScope


class TenantScopeMissing(RuntimeError):
    """A session without a scope touched tenant-owned data."""


class CrossTenantWrite(RuntimeError):
    """A session tried to write a row of another municipality."""


def scope_of(session: Session) -> Scope | None:
    scope = session.info.get(SCOPE_KEY)
    if scope is None or isinstance(scope, TenantScope | SystemScope):
        return scope
    raise TypeError(f"unexpected session scope {scope!r}")


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    return any(
        isinstance(mapper.class_, type) and issubclass(mapper.class_, TenantOwned)
        for mapper in state.all_mappers
    )


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.execution_options.get("_tenant_scoped", False):
        return
    scope = scope_of(state.session)
    if isinstance(scope, SystemScope):
        return
    if scope is None:
        if _touches_tenant_data(state):
            raise TenantScopeMissing(
                "session has no tenant scope; set session.info['scope'] before querying"
            )
        return
    state.statement = state.statement.options(_tenant_criteria(scope.municipality_id))


@functools.lru_cache(maxsize=4096)
def _tenant_criteria(municipality_id: int) -> Any:
    """The criterion of one municipality, made once: building it (its lambda analysed) took
    about as long as building the statement it is added to, on every statement of every
    request."""
    return with_loader_criteria(
        TenantOwned, lambda cls: cls.municipality_id == municipality_id, include_aliases=True
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant_on_write(session: Session, _context: Any, _instances: Any) -> None:
    scope = scope_of(session)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        instance_level = obj.tenant_optional and obj.municipality_id is None
        if instance_level and not isinstance(scope, TenantScope):
            continue  # e.g. the audit entry of creating an account: it has no municipality
        if scope is None:
            raise TenantScopeMissing("session has no tenant scope; cannot write tenant data")
        if isinstance(scope, SystemScope):
            if obj.municipality_id is None:
                raise CrossTenantWrite(f"{type(obj).__name__} written without a municipality")
            continue
        if obj.municipality_id is None:
            obj.municipality_id = scope.municipality_id
        elif obj.municipality_id != scope.municipality_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} belongs to municipality {obj.municipality_id}, "
                f"session is scoped to {scope.municipality_id}"
            )
