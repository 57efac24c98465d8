"""Public keys for checking receipts and decisions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from smartcity.core.http.deps import DbDep, MunicipalityDep, TenantDbDep, public
from smartcity.core.signing import services
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

router = APIRouter(tags=["signatures"])


@router.get(
    "/.well-known/jwks.json",
    dependencies=[Depends(public)],
    summary="Public keys of all municipalities (JWK Set)",
)
def all_keys(db: DbDep) -> dict[str, Any]:
    db.info[SCOPE_KEY] = SYSTEM  # public keys only: publishing them is their purpose
    return services.key_set(db)


@router.get(
    "/{municipality}/.well-known/jwks.json",
    dependencies=[Depends(public)],
    summary="Public keys of one municipality (JWK Set)",
)
def municipality_keys(db: TenantDbDep, municipality: MunicipalityDep) -> dict[str, Any]:
    return services.key_set(db, municipality)
