"""Services the platform itself files applications for (a lamp fault found by the lighting
control, a defect reported over Open311, a hotspot offline too long): the region's template is
created on first use and offered by the municipality, so these cases run through the same
inbox, workflow, retention and audit as any application; the platform closes them again when
what they report is over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.models import Case
from smartcity.cases.workflow import Workflow
from smartcity.citizen import applications, catalog
from smartcity.citizen.catalog import OfferedService
from smartcity.citizen.models import ServiceAdoption, ServiceTemplate, Submission
from smartcity.citizen.schemas import AdoptionIn, SubmitIn, TemplateIn
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality


@dataclass(frozen=True)
class SystemService:
    """A service the platform files for: the region's template (as `TemplateIn` takes it)
    and its form (JSON Schema and presentation hints)."""

    template: dict[str, Any]
    schema: dict[str, Any]
    ui: dict[str, Any]


@dataclass(frozen=True)
class FiledCase:
    """A case the platform opened: the case and the application it was filed as."""

    case: Case
    submission: Submission

    @property
    def tracking_code(self) -> str:
        return self.submission.tracking_code


def ensure_service(
    db: Session,
    municipality: Municipality,
    template: dict[str, Any],
    schema: dict[str, Any],
    ui: dict[str, Any],
) -> OfferedService:
    # Unless it names its own page, citizens do not start a system service.
    template = {"start_page": "", **template}
    key = str(template["key"])
    found = db.scalar(
        select(ServiceTemplate).where(
            ServiceTemplate.region_id == municipality.region_id, ServiceTemplate.key == key
        )
    )
    if found is None:
        found = catalog.create_template(
            db, municipality.region_id, TemplateIn.model_validate(template), "system"
        )
        catalog.publish_form(db, catalog.add_form(db, found, schema, ui, "system"), "system")
    elif found.start_page != template["start_page"]:
        found.start_page = template["start_page"]
    adopted = db.scalar(select(ServiceAdoption.id).where(ServiceAdoption.template_id == found.id))
    if adopted is None:
        catalog.adopt(db, municipality, AdoptionIn(template=key), "system")
    return catalog.offered_service(db, key, include_inactive=True)


def file_case(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    service: SystemService,
    data: dict[str, Any],
    *,
    email: str | None = None,
    now: datetime | None = None,
) -> FiledCase:
    """File `data` as an application of the system service (offered on first use) and
    return the case it opened. `email` gets the receipt and the clerk's news."""
    offered = ensure_service(db, municipality, service.template, service.schema, service.ui)
    submitted = applications.submit(
        db,
        portal,
        municipality,
        offered,
        data,
        SubmitIn(email=email),
        citizen_subject=None,
        now=now,
        by_platform=True,
    )
    return FiledCase(cases.case_of(db, submitted.submission.id), submitted.submission)


def close_filed_case(db: Session, case_id: int, note: str, now: datetime) -> None:
    """Close a case the platform filed (the fault is repaired, the hotspot is back) with a
    note, unless a clerk has closed it already or it is gone."""
    case = db.get(Case, case_id)
    if case is None or case.closed_at is not None:
        return
    service = catalog.adoption_by_id(db, case.adoption_id)
    closed = Workflow.of(service.template.workflow).closed
    cases.change_status(db, case, closed, note, "system", now)
