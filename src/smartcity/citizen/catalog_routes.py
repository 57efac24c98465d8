"""The staff side of the service catalog over HTTP: the region's templates and their forms,
and the services this municipality adopts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy.orm import Session

from smartcity.citizen import catalog
from smartcity.citizen.deps import ServiceKey
from smartcity.citizen.models import ServiceTemplate
from smartcity.citizen.permissions import CATALOG_ADOPT, CATALOG_DEFINE
from smartcity.citizen.schemas import (
    AdoptionIn,
    AdoptionPatch,
    FormIn,
    FormOut,
    ServiceOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep, requires
from smartcity.core.identity.permissions import Principal

staff = APIRouter(prefix="/{municipality}/api/v1/catalog", tags=["service catalog"])

Definer = Annotated[Principal, Depends(requires(CATALOG_DEFINE))]
Adopter = Annotated[Principal, Depends(requires(CATALOG_ADOPT))]


def _template_out(db: Session, template: ServiceTemplate) -> TemplateOut:
    return catalog.template_out(template, catalog.current_form(db, template.id))


@staff.get("/templates", summary="The region's service templates")
def list_templates(db: TenantDbDep, municipality: MunicipalityDep, _: Adopter) -> list[TemplateOut]:
    templates = catalog.templates(db, municipality.region_id)
    forms = catalog.current_forms(db, [t.id for t in templates])
    return [catalog.template_out(t, forms.get(t.id)) for t in templates]


@staff.post("/templates", status_code=status.HTTP_201_CREATED, summary="Define a region's service")
def create_template(
    body: TemplateIn, db: TenantDbDep, municipality: MunicipalityDep, who: Definer
) -> TemplateOut:
    template = catalog.create_template(db, municipality.region_id, body, who.actor)
    return _template_out(db, template)


@staff.get("/templates/{key}", summary="One service template")
def get_template(
    key: ServiceKey, db: TenantDbDep, municipality: MunicipalityDep, _: Adopter
) -> TemplateOut:
    return _template_out(db, catalog.template_by_key(db, municipality.region_id, key))


@staff.patch("/templates/{key}", summary="Change a service template (reaches every adopter)")
def patch_template(
    key: ServiceKey,
    body: TemplatePatch,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    who: Definer,
) -> TemplateOut:
    template = catalog.template_by_key(db, municipality.region_id, key)
    return _template_out(db, catalog.update_template(db, template, body, who.actor))


@staff.get("/templates/{key}/forms", summary="The versions of a service's form")
def list_forms(
    key: ServiceKey, db: TenantDbDep, municipality: MunicipalityDep, _: Adopter
) -> list[FormOut]:
    template = catalog.template_by_key(db, municipality.region_id, key)
    return [FormOut.model_validate(v) for v in catalog.form_versions(db, template)]


@staff.post(
    "/templates/{key}/forms",
    status_code=status.HTTP_201_CREATED,
    summary="Add a new form version (a draft until published)",
)
def add_form(
    key: ServiceKey, body: FormIn, db: TenantDbDep, municipality: MunicipalityDep, who: Definer
) -> FormOut:
    template = catalog.template_by_key(db, municipality.region_id, key)
    version = catalog.add_form(db, template, body.json_schema, body.ui, who.actor)
    return FormOut.model_validate(version)


@staff.put("/templates/{key}/forms/{version}", summary="Replace an unpublished form version")
def replace_form(
    key: ServiceKey,
    version: Annotated[int, Path(ge=1, le=100_000)],
    body: FormIn,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    who: Definer,
) -> FormOut:
    template = catalog.template_by_key(db, municipality.region_id, key)
    found = catalog.form_version(db, template, version)
    return FormOut.model_validate(
        catalog.replace_form(db, found, body.json_schema, body.ui, who.actor)
    )


@staff.post(
    "/templates/{key}/forms/{version}/publish",
    summary="Publish a form version: new applications use it; it never changes again",
)
def publish_form(
    key: ServiceKey,
    version: Annotated[int, Path(ge=1, le=100_000)],
    db: TenantDbDep,
    municipality: MunicipalityDep,
    who: Definer,
) -> FormOut:
    template = catalog.template_by_key(db, municipality.region_id, key)
    found = catalog.form_version(db, template, version)
    return FormOut.model_validate(catalog.publish_form(db, found, who.actor))


# ---- staff: what this municipality offers --------------------------------------------


@staff.get("/adoptions", summary="The region's services this municipality offers")
def list_adoptions(db: TenantDbDep, _: Adopter) -> list[ServiceOut]:
    return [s.out() for s in catalog.offered(db, include_inactive=True)]


@staff.post(
    "/adoptions", status_code=status.HTTP_201_CREATED, summary="Offer a region's service here"
)
def adopt(
    body: AdoptionIn, db: TenantDbDep, municipality: MunicipalityDep, who: Adopter
) -> ServiceOut:
    adoption = catalog.adopt(db, municipality, body, who.actor)
    return catalog.adoption_by_id(db, adoption.id, with_form=True).out()


@staff.patch("/adoptions/{key}", summary="Change local settings (department, fee, contact, active)")
def patch_adoption(
    key: ServiceKey, body: AdoptionPatch, db: TenantDbDep, who: Adopter
) -> ServiceOut:
    offered = catalog.offered_service(db, key, include_inactive=True)
    catalog.update_adoption(db, offered.adoption, body, who.actor)
    return catalog.adoption_by_id(db, offered.adoption.id, with_form=True).out()
