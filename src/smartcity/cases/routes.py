"""The staff side of case files: inbox, case detail with ETag, and the actions on a case."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Header, Path, Query, Response, UploadFile, status

from smartcity.cases import services
from smartcity.cases.models import Case
from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.schemas import (
    CaseOut,
    CasePage,
    CasePatch,
    DecisionIn,
    FileOut,
    HistoryEntry,
    StatusChange,
    TextIn,
)
from smartcity.core.documents import PDF_RESPONSE, pdf_response
from smartcity.core.http.deps import (
    ContextDep,
    IdPath,
    PortalDep,
    RequestContext,
    TenantDbDep,
    requires,
)
from smartcity.core.identity.permissions import Principal
from smartcity.core.mail.services import deliver_pending
from smartcity.core.uploads import services as uploads

router = APIRouter(prefix="/{municipality}/api/v1/cases", tags=["case files"])

Reader = Annotated[Principal, Depends(requires(CASES_READ))]
Worker = Annotated[Principal, Depends(requires(CASES_WORK))]
IfMatch = Annotated[str | None, Header(alias="If-Match", description='"<version>" from the ETag')]


def _with_etag(response: Response, out: CaseOut) -> CaseOut:
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.get("", summary="Inbox: the cases of your departments, soonest deadline first")
def inbox(
    db: TenantDbDep,
    who: Reader,
    status_: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    service: Annotated[str | None, Query(max_length=63)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    assignee: Annotated[
        str | None, Query(max_length=20, description='"me", "none" or an id')
    ] = None,
    older_than_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    wanted = services.InboxFilter(
        status_, service, department, assignee, older_than_days, overdue, limit, offset
    )
    return services.inbox(db, who, wanted)


@router.get("/{case_id}", summary="One case with the application, files and events (ETag)")
def get_case(case_id: IdPath, ctx: ContextDep, who: Reader, response: Response) -> CaseOut:
    case = services.get_case(ctx.db, who, case_id)
    return _with_etag(response, services.case_out(ctx.db, ctx.portal, ctx.municipality, case))


def _changed(ctx: RequestContext, case: Case, response: Response) -> CaseOut:
    # Written now, so that a concurrent change surfaces as 412 (StaleDataError, handled
    # app-wide) before the answer is built.
    ctx.db.flush()
    return _with_etag(response, services.case_out(ctx.db, ctx.portal, ctx.municipality, case))


def _case_to_change(
    case_id: IdPath, db: TenantDbDep, who: Worker, if_match: IfMatch = None
) -> Case:
    """The case, if the caller may work on it and names the version they changed."""
    case = services.get_case(db, who, case_id)
    services.check_version(case, if_match)
    return case


CaseToChange = Annotated[Case, Depends(_case_to_change)]


@router.patch("/{case_id}", summary="Assign the case or set its deadline (If-Match required)")
def patch_case(
    case: CaseToChange, body: CasePatch, ctx: ContextDep, who: Worker, response: Response
) -> CaseOut:
    services.update(ctx.db, case, body.model_dump(exclude_unset=True), who.actor)
    return _changed(ctx, case, response)


@router.post("/{case_id}/status", summary="Move the case along its workflow (If-Match required)")
def change_status(
    case: CaseToChange, body: StatusChange, ctx: ContextDep, who: Worker, response: Response
) -> CaseOut:
    services.change_status(
        ctx.db, case, body.status, body.note, who.actor, notice=(ctx.portal, ctx.municipality)
    )
    ctx.background.add_task(deliver_pending, ctx.platform)
    return _changed(ctx, case, response)


@router.post(
    "/{case_id}/notes", status_code=status.HTTP_201_CREATED, summary="Add an internal note"
)
def add_note(
    case_id: IdPath, body: TextIn, ctx: ContextDep, who: Worker, response: Response
) -> CaseOut:
    case = services.get_case(ctx.db, who, case_id)
    services.add_note(ctx.db, case, body.text, who.actor)
    return _changed(ctx, case, response)


@router.post(
    "/{case_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Write to the applicant (status page, and e-mail if they gave an address)",
)
def send_message(
    case_id: IdPath, body: TextIn, ctx: ContextDep, who: Worker, response: Response
) -> CaseOut:
    case = services.get_case(ctx.db, who, case_id)
    services.send_message(ctx.db, ctx.portal, ctx.municipality, case, body.text, who.actor)
    ctx.background.add_task(deliver_pending, ctx.platform)
    return _changed(ctx, case, response)


@router.post(
    "/{case_id}/decision",
    summary="Issue the decision (Bescheid): rendered, signed, shown to the applicant",
)
def decide(
    case: CaseToChange, body: DecisionIn, ctx: ContextDep, who: Worker, response: Response
) -> CaseOut:
    services.decide(ctx.db, ctx.portal, ctx.municipality, case, body.outcome, body.text, who.actor)
    ctx.background.add_task(deliver_pending, ctx.platform)
    return _changed(ctx, case, response)


@router.get(
    "/{case_id}/decision.pdf",
    summary="The decision as PDF",
    response_class=Response,
    responses=PDF_RESPONSE,
)
def decision_pdf(case_id: IdPath, ctx: ContextDep, who: Reader) -> Response:
    case = services.get_case(ctx.db, who, case_id)
    return pdf_response(
        services.decision_pdf(ctx.db, ctx.portal, ctx.municipality, case),
        f"bescheid-{case.id}.pdf",
    )


@router.post(
    "/{case_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    summary="Attach a file to the case (PDF, JPEG, PNG)",
)
def attach(
    case_id: IdPath, file: Annotated[UploadFile, File()], ctx: ContextDep, who: Worker
) -> FileOut:
    data = file.file.read(ctx.portal.limits.max_bytes + 1)
    case = services.get_case(ctx.db, who, case_id)
    stored = services.add_attachment(ctx.db, ctx.portal, case, file.filename or "", data, who.actor)
    return services.file_out(ctx.portal, ctx.municipality, case, stored, "staff")


@router.get(
    "/{case_id}/files/{file_id}",
    summary="Download a file of the case",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download(
    case_id: IdPath,
    file_id: Annotated[str, Path(max_length=64)],
    db: TenantDbDep,
    portal: PortalDep,
    who: Reader,
) -> Response:
    case = services.get_case(db, who, case_id)
    stored = services.file_of(db, case, file_id)
    return Response(
        uploads.read(portal.data_dir, stored),
        media_type=stored.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(stored.original_name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quote(name: str) -> str:
    return quote(name, safe="")


@router.get("/{case_id}/history", summary="Everything that happened to the case (audit log)")
def history(case_id: IdPath, db: TenantDbDep, who: Reader) -> list[HistoryEntry]:
    return services.history(db, services.get_case(db, who, case_id))
