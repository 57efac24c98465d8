"""What citizen services add to the case files' API: the application of a case as
FIT-Connect parts, for a Fachverfahren to take over."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from smartcity.cases import services as cases
from smartcity.cases.permissions import CASES_WORK
from smartcity.citizen import fitconnect
from smartcity.citizen.schemas import FitConnectIn
from smartcity.core.http.deps import ContextDep, IdPath, requires
from smartcity.core.identity.permissions import Principal

case_files = APIRouter(prefix="/{municipality}/api/v1/cases", tags=["case files"])

Worker = Annotated[Principal, Depends(requires(CASES_WORK))]


@case_files.post(
    "/{case_id}/fit-connect",
    summary="The application as FIT-Connect parts, encrypted for a destination key",
)
def fit_connect(
    case_id: IdPath, body: FitConnectIn, ctx: ContextDep, who: Worker
) -> dict[str, Any]:
    case = cases.get_case(ctx.db, who, case_id)
    return fitconnect.export(
        ctx.db, ctx.portal, ctx.municipality, case, body.destination_key, body.schema_uri
    )
