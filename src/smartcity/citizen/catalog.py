"""The region's service templates, their forms, and municipalities adopting them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, false, func, select
from sqlalchemy.orm import Session, aliased

from smartcity.cases.decisions import check_template
from smartcity.cases.workflow import DEFAULT_WORKFLOW, check_workflow
from smartcity.citizen import forms
from smartcity.citizen.models import FormVersion, ServiceAdoption, ServiceTemplate
from smartcity.citizen.schemas import (
    AdoptionIn,
    AdoptionPatch,
    FormOut,
    ServiceDetail,
    ServiceOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, NotFound
from smartcity.core.lookup import found_or_404
from smartcity.core.snapshots import WATCHED, kept
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY

Localizable = TypeVar("Localizable")

# Copies of these are kept for hot paths (offered_service_kept); their changes drop them.
WATCHED.update({ServiceAdoption, ServiceTemplate, FormVersion})


def templates(db: Session, region_id: int) -> list[ServiceTemplate]:
    return list(
        db.scalars(
            select(ServiceTemplate)
            .where(ServiceTemplate.region_id == region_id)
            .order_by(ServiceTemplate.key)
        )
    )


def template_by_key(db: Session, region_id: int, key: str) -> ServiceTemplate:
    return found_or_404(
        db.scalar(
            select(ServiceTemplate).where(
                ServiceTemplate.region_id == region_id, ServiceTemplate.key == key
            )
        ),
        f"The region has no service {key!r}.",
    )


def template_out(template: ServiceTemplate, current: FormVersion | None) -> TemplateOut:
    """The template as staff see it; `current` is its current form (None: none published)."""
    return TemplateOut.model_validate(
        {
            **{
                name: getattr(template, name)
                for name in TemplateOut.model_fields
                if hasattr(template, name)
            },
            "workflow": template.workflow or DEFAULT_WORKFLOW,
            "current_form_version": current.version if current else None,
        }
    )


def create_template(db: Session, region_id: int, data: TemplateIn, actor: str) -> ServiceTemplate:
    if db.scalar(
        select(ServiceTemplate.id).where(
            ServiceTemplate.region_id == region_id, ServiceTemplate.key == data.key
        )
    ):
        raise Conflict(f"The region already has a service {data.key!r}.")
    values = data.model_dump()
    if data.workflow is not None:
        values["workflow"] = check_workflow(data.workflow)
    if data.decision_template is not None:
        check_template(data.decision_template)
    template = ServiceTemplate(region_id=region_id, **values)
    db.add(template)
    db.flush()
    record(
        db,
        actor=actor,
        action="catalog.template.create",
        resource_type="service_template",
        resource_id=template.id,
        changes={"key": data.key},
    )
    return template


def update_template(
    db: Session, template: ServiceTemplate, patch: TemplatePatch, actor: str
) -> ServiceTemplate:
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("workflow") is not None:
        changes["workflow"] = check_workflow(changes["workflow"])
    if changes.get("decision_template") is not None:
        check_template(changes["decision_template"])
    for name, value in changes.items():
        setattr(template, name, value)
    template.updated_at = utcnow()
    record(
        db,
        actor=actor,
        action="catalog.template.update",
        resource_type="service_template",
        resource_id=template.id,
        changes={"fields": sorted(changes)},
    )
    return template


def current_form(db: Session, template_id: int) -> FormVersion | None:
    """The newest published version: what new applications are made with."""
    return current_forms(db, [template_id]).get(template_id)


def current_forms(db: Session, template_ids: list[int]) -> dict[int, FormVersion]:
    """The current form of each template, in one query (a list of services must not cost a
    query per service)."""
    if not template_ids:
        return {}
    versions = db.scalars(
        select(FormVersion)
        .where(FormVersion.template_id.in_(template_ids), FormVersion.status == "published")
        .order_by(FormVersion.template_id, FormVersion.version.desc())
    )
    newest: dict[int, FormVersion] = {}
    for version in versions:
        newest.setdefault(version.template_id, version)
    return newest


def form_version(db: Session, template: ServiceTemplate, version: int) -> FormVersion:
    return found_or_404(
        db.scalar(
            select(FormVersion).where(
                FormVersion.template_id == template.id, FormVersion.version == version
            )
        ),
        f"The service {template.key!r} has no form version {version}.",
    )


def form_versions(db: Session, template: ServiceTemplate) -> list[FormVersion]:
    return list(
        db.scalars(
            select(FormVersion)
            .where(FormVersion.template_id == template.id)
            .order_by(FormVersion.version)
        )
    )


def add_form(
    db: Session, template: ServiceTemplate, schema: dict[str, Any], ui: dict[str, Any], actor: str
) -> FormVersion:
    forms.check_definition(schema, ui)
    newest = db.scalar(
        select(func.max(FormVersion.version)).where(FormVersion.template_id == template.id)
    )
    version = FormVersion(template_id=template.id, version=(newest or 0) + 1, schema=schema, ui=ui)
    db.add(version)
    db.flush()
    record(
        db,
        actor=actor,
        action="catalog.form.create",
        resource_type="service_template",
        resource_id=template.id,
        changes={"version": version.version},
    )
    return version


def replace_form(
    db: Session, version: FormVersion, schema: dict[str, Any], ui: dict[str, Any], actor: str
) -> FormVersion:
    if version.status != "draft":
        raise Conflict(
            f"Form version {version.version} is published and frozen; submissions refer to it. "
            "Create a new version instead."
        )
    forms.check_definition(schema, ui)
    version.schema, version.ui = schema, ui
    record(
        db,
        actor=actor,
        action="catalog.form.update",
        resource_type="service_template",
        resource_id=version.template_id,
        changes={"version": version.version},
    )
    return version


def publish_form(db: Session, version: FormVersion, actor: str) -> FormVersion:
    if version.status == "published":
        return version
    forms.check_definition(version.schema, version.ui)
    version.status = "published"
    version.published_at = utcnow()
    record(
        db,
        actor=actor,
        action="catalog.form.publish",
        resource_type="service_template",
        resource_id=version.template_id,
        changes={"version": version.version},
    )
    return version


def adopt(db: Session, municipality: Municipality, data: AdoptionIn, actor: str) -> ServiceAdoption:
    template = template_by_key(db, municipality.region_id, data.template)
    if db.scalar(select(ServiceAdoption.id).where(ServiceAdoption.template_id == template.id)):
        raise Conflict(f"{municipality.name} already offers {data.template!r}; change it instead.")
    values = data.model_dump(exclude={"template"})
    adoption = ServiceAdoption(municipality_id=municipality.id, template_id=template.id, **values)
    db.add(adoption)
    db.flush()
    record(
        db,
        actor=actor,
        action="catalog.adopt",
        resource_type="service_adoption",
        resource_id=adoption.id,
        changes={"template": data.template},
    )
    return adoption


def update_adoption(
    db: Session, adoption: ServiceAdoption, patch: AdoptionPatch, actor: str
) -> ServiceAdoption:
    changes = patch.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(adoption, name, value)
    record(
        db,
        actor=actor,
        action="catalog.adoption.update",
        resource_type="service_adoption",
        resource_id=adoption.id,
        changes={"fields": sorted(changes)},
    )
    return adoption


@dataclass(frozen=True)
class OfferedService:
    """A municipality's service: its adoption, the region's template, the current form."""

    adoption: ServiceAdoption
    template: ServiceTemplate
    form: FormVersion | None

    @property
    def department(self) -> str:
        return self.adoption.department or self.template.default_department

    @property
    def fee_cents(self) -> int:
        a = self.adoption.fee_cents
        return a if a is not None else self.template.default_fee_cents

    @property
    def processing_days(self) -> int:
        a = self.adoption.processing_days
        return a if a is not None else self.template.default_processing_days

    def name(self, language: str = "de") -> str:
        return self.template.name.get(language) or self.template.name["de"]

    def out(self, language: str = "de") -> ServiceOut:
        t = self.template
        return ServiceOut(
            key=t.key,
            name=self.name(language),
            description=t.description.get(language) or t.description["de"],
            leika_key=t.leika_key,
            department=self.department,
            fee_cents=self.fee_cents,
            processing_days=self.processing_days,
            contact_email=self.adoption.contact_email,
            contact_phone=self.adoption.contact_phone,
            office_address=self.adoption.office_address,
            office_hours=self.adoption.office_hours,
            documents=_localized(t.documents, language) or [],
            legal_basis=_localized(t.legal_basis, language),
            start_page=t.start_page,
            allows_anonymous=t.allows_anonymous,
            active=self.adoption.active,
            form_version=self.form.version if self.form else None,
        )

    def detail(self, language: str = "de") -> ServiceDetail:
        form = FormOut.model_validate(self.form) if self.form else None
        return ServiceDetail(**self.out(language).model_dump(), form=form)


def _offered(
    db: Session,
    lookup: Lookup,
    value: object = None,
    *,
    include_inactive: bool,
    with_form: bool = True,
) -> list[OfferedService]:
    """The session's municipality's services (adoptions are tenant-scoped) found by `lookup`
    (`value`: the key or adoption id). `with_form=False` leaves `form` empty, for callers
    that work with a submission's own form version."""
    query = _offered_query(lookup, include_inactive, with_form)
    rows = db.execute(query, {"value": value} if lookup != "all" else {}).all()
    return [OfferedService(a, t, f) for a, t, f in rows]


# Which services `_offered` looks for: all, one by its key, one by its adoption id.
Lookup = Literal["all", "key", "adoption"]


@functools.cache
def _offered_query(
    lookup: Lookup, include_inactive: bool, with_form: bool
) -> Select[ServiceAdoption, ServiceTemplate, FormVersion]:
    """Built once per variant, the looked-for value a bound parameter: building the
    statement (alias, subquery, its cache key) took more CPU than running it, on the path
    of every submission."""
    # The newest published form joined in: one round trip for the services and their forms
    # (a submission looks its service up first thing); without forms, the join matches none.
    form_join: ColumnElement[bool] = false()
    if with_form:
        published = aliased(FormVersion)
        newest = (
            select(func.max(published.version))
            .where(published.template_id == ServiceTemplate.id, published.status == "published")
            .scalar_subquery()
        )
        form_join = (
            (FormVersion.template_id == ServiceTemplate.id)
            & (FormVersion.status == "published")
            & (FormVersion.version == newest)
        )
    query = (
        select(ServiceAdoption, ServiceTemplate, FormVersion)
        .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
        .outerjoin(FormVersion, form_join)
    )
    if lookup == "key":
        query = query.where(ServiceTemplate.key == bindparam("value"))
    elif lookup == "adoption":
        query = query.where(ServiceAdoption.id == bindparam("value"))
    if not include_inactive:
        query = query.where(ServiceAdoption.active.is_(True))
    return query.order_by(ServiceTemplate.key)


def offered(db: Session, *, include_inactive: bool = False) -> list[OfferedService]:
    return _offered(db, "all", include_inactive=include_inactive)


def offered_service(db: Session, key: str, *, include_inactive: bool = False) -> OfferedService:
    found = _offered(db, "key", key, include_inactive=include_inactive)
    if not found:
        raise NotFound(f"This municipality does not offer the service {key!r}.")
    return found[0]


def offered_service_kept(db: Session, key: str) -> OfferedService:
    """`offered_service` for hot paths: from the process's copy while it is fresh
    (core/snapshots), attached to `db` without a query."""
    scope = db.info[SCOPE_KEY]

    def load(fresh: Session) -> OfferedService:
        fresh.info[SCOPE_KEY] = scope
        return offered_service(fresh, key)

    found = kept(db, ("offered", scope.municipality_id, key), load)
    form = db.merge(found.form, load=False) if found.form is not None else None
    return OfferedService(
        db.merge(found.adoption, load=False), db.merge(found.template, load=False), form
    )


def adoption_by_id(db: Session, adoption_id: int, *, with_form: bool = False) -> OfferedService:
    """The service a draft, submission or case belongs to (also when paused). Its current
    form only with `with_form`: those work with their own form version."""
    found = _offered(db, "adoption", adoption_id, include_inactive=True, with_form=with_form)
    if not found:
        raise NotFound("Unknown service.")
    return found[0]


def _localized(value: dict[str, Localizable] | None, language: str) -> Localizable | None:
    """A template's text in `language`, else its German one (always present)."""
    if not value:
        return None
    return value.get(language) or value.get("de")
