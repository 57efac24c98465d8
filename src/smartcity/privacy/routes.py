"""The data-protection officer's API (requests, holds, retention, the register, breaches,
consents) and the portal's request form's API. Everything but the portal's two routes needs
`privacy.manage`, which only the data-protection officer's role holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.responses import PlainTextResponse

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.db import utcnow
from smartcity.core.documents import PDF_RESPONSE, pdf_response
from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import ContextDep, IdPath, public, reads_only, requires
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.identity.permissions import Principal
from smartcity.core.mail.services import deliver_pending
from smartcity.core.modules import registry_of
from smartcity.core.uploads import services as uploads
from smartcity.privacy import holds, records, register, requests, retention
from smartcity.privacy.declarations import Declared, declared
from smartcity.privacy.models import Breach, Consent, LegalHold, SubjectRequest
from smartcity.privacy.permissions import PRIVACY_MANAGE
from smartcity.privacy.schemas import (
    BreachIn,
    BreachNotifiedIn,
    BreachOut,
    ConfirmIn,
    ConsentIn,
    ConsentOut,
    DueOut,
    ExtensionIn,
    HoldIn,
    HoldOut,
    IdentityIn,
    PlanOut,
    PortalAnswer,
    PortalRequestIn,
    RequestIn,
    RequestOut,
    RunIn,
)

router = APIRouter(prefix="/{municipality}/api/v1/privacy", tags=["privacy"])
Officer = Annotated[Principal, Depends(requires(PRIVACY_MANAGE))]
ZIP_RESPONSE: dict[int | str, dict[str, object]] = {200: {"content": {"application/zip": {}}}}


def _declarations(request: Request) -> list[Declared]:
    return declared(registry_of(request))


Declarations = Annotated[list[Declared], Depends(_declarations)]


def request_out(found: SubjectRequest) -> RequestOut:
    return RequestOut(
        id=found.id,
        kind=found.kind,
        status=found.status,
        source=found.source,
        email=found.email,
        name=found.name,
        tracking_codes=list(found.tracking_codes),
        details=found.details,
        received_at=found.received_at,
        due_at=found.due_at,
        overdue=found.status == "open" and found.due_at < utcnow(),
        extension_reason=found.extension_reason,
        identity_check=found.identity_check,
        closed_at=found.closed_at,
        outcome=found.outcome,
    )


def _new(body: RequestIn | PortalRequestIn, subject: str | None = None) -> requests.NewRequest:
    return requests.NewRequest(
        kind=body.kind,
        email=str(body.email) if body.email else None,
        name=body.name,
        citizen_subject=subject,
        tracking_codes=body.tracking_codes,
        details=body.details,
        correction=body.correction.model_dump() if body.correction else None,
    )


@router.get("/requests", summary="The register of data-subject requests")
def list_requests(ctx: ContextDep, _: Officer) -> list[RequestOut]:
    return [request_out(r) for r in requests.listing(ctx.db)]


@router.post("/requests", status_code=201, summary="Enter a request received by letter or mail")
def create_request(body: RequestIn, ctx: ContextDep, who: Officer) -> RequestOut:
    created = requests.open_request(
        ctx.db, _new(body), source="staff", actor=who.actor, now=body.received_at
    )
    return request_out(created)


@router.get("/requests/{request_id}", summary="One request")
def get_request(request_id: IdPath, ctx: ContextDep, _: Officer) -> RequestOut:
    return request_out(requests.get(ctx.db, request_id))


@router.post("/requests/{request_id}/identity", summary="Note how the identity was checked")
def note_identity(
    request_id: IdPath, body: IdentityIn, ctx: ContextDep, who: Officer
) -> RequestOut:
    found = requests.get(ctx.db, request_id)
    requests.note_identity(ctx.db, found, body.how, who.actor)
    return request_out(found)


@router.post("/requests/{request_id}/extension", summary="Extend the deadline by two months")
def extend(request_id: IdPath, body: ExtensionIn, ctx: ContextDep, who: Officer) -> RequestOut:
    found = requests.get(ctx.db, request_id)
    requests.extend(ctx.db, found, body.reason, who.actor)
    return request_out(found)


@router.get("/requests/{request_id}/findings", summary="What the request's person has, per table")
def findings(
    request_id: IdPath, ctx: ContextDep, declarations: Declarations, _: Officer
) -> dict[str, int]:
    return requests.search(ctx.db, declarations, requests.get(ctx.db, request_id)).counts()


@router.post(
    "/requests/{request_id}/carry-out",
    summary="Carry the request out: the access archive (ZIP), or erase, restrict, rectify",
    responses=ZIP_RESPONSE,
    response_model=None,
)
def carry_out(
    request_id: IdPath, ctx: ContextDep, declarations: Declarations, who: Officer
) -> Response | RequestOut:
    found = requests.get(ctx.db, request_id)
    done = requests.carry_out(
        ctx.db, declarations, found, ctx.municipality, ctx.platform.settings.data_dir, who.actor
    )
    ctx.background.add_task(uploads.unlink_all, done.files)
    if done.archive is not None:
        return Response(
            done.archive,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="auskunft-{found.id}.zip"'},
        )
    return request_out(found)


def hold_out(hold: LegalHold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        table=hold.table_name,
        row_id=hold.row_id,
        reason=hold.reason,
        until=hold.until,
        request_id=hold.request_id,
        created_at=hold.created_at,
    )


@router.get("/holds", summary="Active legal holds and restrictions")
def list_holds(ctx: ContextDep, _: Officer) -> list[HoldOut]:
    return [hold_out(h) for h in holds.active(ctx.db, utcnow().date())]


@router.post(
    "/holds", status_code=201, summary="Keep a row (and what belongs to it) from retention"
)
def place_hold(body: HoldIn, ctx: ContextDep, declarations: Declarations, who: Officer) -> HoldOut:
    hold = holds.place(
        ctx.db,
        declarations,
        table=body.table,
        row_id=body.row_id,
        reason=body.reason,
        until=body.until,
        actor=who.actor,
    )
    return hold_out(hold)


@router.post("/holds/{hold_id}/release", summary="End a legal hold")
def release_hold(hold_id: IdPath, ctx: ContextDep, who: Officer) -> HoldOut:
    return hold_out(holds.release(ctx.db, hold_id, actor=who.actor))


def plan_out(found: retention.Plan) -> PlanOut:
    return PlanOut(
        as_of=found.now,
        due=[
            DueOut(
                module=d.module,
                table=d.table,
                retention=d.retention,
                action=d.action,
                rows=d.rows,
                held=d.held,
                job=d.job,
            )
            for d in found.due
        ],
        elsewhere=[
            {"module": m, "table": t, "retention": r, "job": j} for m, t, r, j in found.elsewhere
        ],
    )


@router.get("/retention", summary="Dry run: what retention would delete or anonymise now")
@reads_only  # the dry run reads in sessions of its own; this one must not hold a write lock
def retention_plan(
    request: Request, ctx: ContextDep, declarations: Declarations, _: Officer
) -> PlanOut:
    sessions = ctx.platform.sessions
    jobs = retention.own_jobs(ctx.platform, registry_of(request))
    return plan_out(retention.plan(sessions, declarations, only=ctx.municipality.id, jobs=jobs))


@router.post(
    "/retention",
    status_code=202,
    summary="Apply retention as the dry run taken at `as_of` announced (after the response)",
)
def retention_run(
    request: Request, body: RunIn, ctx: ContextDep, declarations: Declarations, _: Officer
) -> dict[str, str]:
    if body.as_of > utcnow():
        raise InvalidInput("as_of lies in the future.")
    announced = retention.Plan(body.as_of, ctx.municipality.id)
    # Batches in transactions of their own, once this request's has ended; the audit log
    # records each batch.
    ctx.background.add_task(
        retention.apply,
        ctx.platform.sessions,
        ctx.platform.settings.data_dir,
        declarations,
        announced,
        retention.own_jobs(ctx.platform, registry_of(request)),
    )
    return {"as_of": body.as_of.isoformat(), "status": "started"}


@router.get(
    "/register.csv",
    summary="The record of processing activities (CSV)",
    response_class=PlainTextResponse,
)
def register_csv(ctx: ContextDep, declarations: Declarations, _: Officer) -> Response:
    built = register.build(ctx.db, ctx.municipality, declarations)
    return Response(
        register.as_csv(built),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="verarbeitungsverzeichnis.csv"'},
    )


@router.get(
    "/register.pdf", summary="The record of processing activities (PDF)", responses=PDF_RESPONSE
)
def register_pdf(ctx: ContextDep, declarations: Declarations, _: Officer) -> Response:
    built = register.build(ctx.db, ctx.municipality, declarations)
    return pdf_response(register.as_pdf(built), "verarbeitungsverzeichnis.pdf")


def breach_out(found: Breach) -> BreachOut:
    now = utcnow()
    return BreachOut(
        id=found.id,
        title=found.title,
        risk=found.risk,
        became_known_at=found.became_known_at,
        notify_by=records.notify_by(found),
        hours_left=records.hours_left(found, now),
        authority_notified_at=found.authority_notified_at,
        subjects_notified_at=found.subjects_notified_at,
        late=records.late(found, now),
    )


@router.get("/breaches", summary="The breach register, with the 72-hour clock")
def list_breaches(ctx: ContextDep, _: Officer) -> list[BreachOut]:
    return [breach_out(b) for b in records.breaches(ctx.db)]


@router.post("/breaches", status_code=201, summary="Record a personal-data breach")
def record_breach(body: BreachIn, ctx: ContextDep, who: Officer) -> BreachOut:
    created = records.record_breach(ctx.db, Breach(**body.model_dump()), who.actor)
    return breach_out(created)


@router.post(
    "/breaches/{breach_id}/notified", summary="Note that the authority or the persons were told"
)
def breach_notified(
    breach_id: IdPath, body: BreachNotifiedIn, ctx: ContextDep, who: Officer
) -> BreachOut:
    found = records.breach(ctx.db, breach_id)
    records.notified(
        ctx.db, found, authority_at=body.authority_at, subjects_at=body.subjects_at, actor=who.actor
    )
    return breach_out(found)


def consent_out(found: Consent) -> ConsentOut:
    return ConsentOut(
        id=found.id,
        purpose=found.purpose,
        email=found.email,
        wording=found.wording,
        given_at=found.given_at,
        withdrawn_at=found.withdrawn_at,
    )


@router.get("/consents", summary="A person's consents and withdrawals")
def list_consents(email: str, ctx: ContextDep, _: Officer) -> list[ConsentOut]:
    return [consent_out(c) for c in records.consents(ctx.db, email)]


@router.post("/consents", status_code=201, summary="Record a consent given on paper or by phone")
def give_consent(body: ConsentIn, ctx: ContextDep, _: Officer) -> ConsentOut:
    return consent_out(records.give(ctx.db, body.purpose, str(body.email), body.wording))


@router.post(
    "/portal/requests",
    status_code=202,
    dependencies=[Depends(public), Depends(anonymous_submission)],
    summary="A citizen's request from the portal: signed in, or confirmed by e-mail",
)
def portal_request(
    body: PortalRequestIn, ctx: ContextDep, citizen: CitizenSessionDep
) -> PortalAnswer:
    if citizen is not None:
        requests.open_request(
            ctx.db,
            _new(body, citizen.subject),
            source="portal",
            actor="citizen",
            identity_check="Angemeldet mit dem Bürgerkonto (Servicekonto)",
        )
        return PortalAnswer(
            status="open",
            message="Ihre Anfrage ist eingegangen. Wir antworten innerhalb eines Monats.",
        )
    link = ctx.portal.base(ctx.municipality) + "/datenschutz/anfrage?token={token}"
    requests.request_by_mail(ctx.db, ctx.municipality, _new(body), link)
    # Sent after the commit, like every mail a citizen waits for.
    ctx.background.add_task(deliver_pending, ctx.platform)
    return PortalAnswer(
        status="unconfirmed",
        message="Bitte bestätigen Sie Ihre Anfrage mit dem Link, den wir Ihnen gemailt haben.",
    )


@router.post(
    "/portal/confirm",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    summary="Confirm a portal request with the mailed link's token",
)
def portal_confirm(body: ConfirmIn, ctx: ContextDep) -> PortalAnswer:
    requests.confirm(ctx.db, body.token)
    return PortalAnswer(
        status="open",
        message="Danke, Ihre Anfrage ist bestätigt. Wir antworten innerhalb eines Monats.",
    )
