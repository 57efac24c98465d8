from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from smartcity.core.audit import services
from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import MAX_ID
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep, requires
from smartcity.core.identity.permissions import AUDIT_READ, Principal

router = APIRouter(prefix="/{municipality}/api/v1/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    created_at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    changes: dict[str, Any]
    request_id: str | None
    entry_hash: str


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    problem: str | None


@router.get("", summary="The municipality's audit log, newest first")
def list_entries(
    db: TenantDbDep,
    _: Annotated[Principal, Depends(requires(AUDIT_READ))],
    resource_type: Annotated[str | None, Query(max_length=100)] = None,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Page on: entries older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntryOut]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if resource_type:
        query = query.where(AuditEntry.resource_type == resource_type)
    if resource_id:
        query = query.where(AuditEntry.resource_id == resource_id)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return [AuditEntryOut.model_validate(entry) for entry in db.scalars(query)]


@router.get("/verify", summary="Verify the municipality's hash chain")
def verify_chain(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    _: Annotated[Principal, Depends(requires(AUDIT_READ))],
) -> AuditVerification:
    result = services.verify(db, municipality_id=municipality.id)
    return AuditVerification(
        ok=result.ok,
        entries=result.entries,
        problem=str(result.problem) if result.problem else None,
    )
