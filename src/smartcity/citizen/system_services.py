"""Services the platform itself files applications for (a lamp fault found by the lighting
control, a defect reported over Open311): the region's template is created on first use and
offered by the municipality, so these cases run through the same inbox, workflow, retention
and audit as any application."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.citizen import catalog
from smartcity.citizen.catalog import OfferedService
from smartcity.citizen.models import ServiceAdoption, ServiceTemplate
from smartcity.citizen.schemas import AdoptionIn, TemplateIn
from smartcity.core.tenancy.models import Municipality


def ensure_service(
    db: Session,
    municipality: Municipality,
    template: dict[str, Any],
    schema: dict[str, Any],
    ui: dict[str, Any],
) -> OfferedService:
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
    adopted = db.scalar(select(ServiceAdoption.id).where(ServiceAdoption.template_id == found.id))
    if adopted is None:
        catalog.adopt(db, municipality, AdoptionIn(template=key), "system")
    return catalog.offered_service(db, key, include_inactive=True)
