from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.export import write_export
from smartcity.core.http.deps import DbDep, MunicipalityDep, TenantDbDep, public, requires
from smartcity.core.identity.permissions import DATA_EXPORT, MUNICIPALITY_READ, Principal
from smartcity.core.tenancy.schemas import MunicipalityOut
from smartcity.core.tenancy.services import list_municipalities

router = APIRouter(tags=["municipalities"])

EXPORT_SPOOL_BYTES = 32 * 1024 * 1024
EXPORT_CHUNK_BYTES = 256 * 1024


@router.get(
    "/api/v1/municipalities",
    dependencies=[Depends(public)],
    summary="The municipalities on this instance (public facts only)",
)
def municipalities(db: DbDep) -> list[MunicipalityOut]:
    return [MunicipalityOut.model_validate(m) for m in list_municipalities(db)]


@router.get("/{municipality}/api/v1", summary="The municipality, as its staff sees it")
def municipality_overview(
    municipality: MunicipalityDep,
    _: Annotated[Principal, Depends(requires(MUNICIPALITY_READ))],
) -> MunicipalityOut:
    return MunicipalityOut.model_validate(municipality)


@router.get(
    "/{municipality}/api/v1/export",
    summary="Everything the municipality owns, as a ZIP of CSV tables and JSON",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_archive(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(DATA_EXPORT))],
) -> StreamingResponse:
    # Spooled: small exports stay in memory, large ones go to a temporary file.
    buffer = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115
    write_export(db, municipality, buffer)
    audit.record(
        db,
        actor=principal.actor,
        action="municipality.export",
        resource_type="municipality",
        resource_id=municipality.id,
    )
    buffer.seek(0)
    filename = f"{municipality.slug}-export-{utcnow():%Y%m%d}.zip"

    def chunks() -> Iterator[bytes]:
        with buffer:
            while chunk := buffer.read(EXPORT_CHUNK_BYTES):
                yield chunk

    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
