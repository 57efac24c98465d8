"""Demo data: the region's dog-tax service, offered by each demo municipality (Dresden files
it with the Bürgeramt, where the demo case worker sits), and one application in Dresden's
inbox."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.citizen import applications, catalog
from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI
from smartcity.citizen.models import ServiceTemplate
from smartcity.citizen.schemas import AdoptionIn, DraftIn, SubmitIn, TemplateIn
from smartcity.core.demo import DemoContext
from smartcity.core.documents import Document
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality

DEPARTMENTS = {"dresden": "Bürgeramt"}
# Where the demo's citizens find the office (invented contact data, reserved for examples).
OFFICES: dict[str, dict[str, str]] = {
    "dresden": {
        "office_address": "Bürgeramt Altstadt\nTheaterstraße 11\n01067 Dresden",
        "office_hours": "Mo, Di, Do 9–18 Uhr; Mi, Fr 9–12 Uhr",
        "contact_email": "buergeramt@example.org",
        "contact_phone": "0351 000000",
    }
}


def _template(db: Session, municipality: Municipality) -> ServiceTemplate:
    found = db.scalar(
        select(ServiceTemplate).where(
            ServiceTemplate.region_id == municipality.region_id,
            ServiceTemplate.key == DOG_TAX_TEMPLATE["key"],
        )
    )
    if found is not None:
        return found
    template = catalog.create_template(
        db, municipality.region_id, TemplateIn.model_validate(DOG_TAX_TEMPLATE), "demo"
    )
    form = catalog.add_form(db, template, DOG_TAX_SCHEMA, DOG_TAX_UI, "demo")
    catalog.publish_form(db, form, "demo")
    return template


def seed(context: DemoContext) -> None:
    portal = Portal.of(context.platform.settings)
    for slug, municipality in context.municipalities.items():
        with context.tenant_session(municipality) as db:
            template = _template(db, municipality)
            office = OFFICES.get(slug, {})
            catalog.adopt(
                db,
                municipality,
                AdoptionIn(template=template.key, department=DEPARTMENTS.get(slug), **office),
                "demo",
            )
        context.say(f"{municipality.name}: offers the service „{template.name['de']}“")
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    with context.tenant_session(dresden) as db:
        service = catalog.offered_service(db, str(DOG_TAX_TEMPLATE["key"]))
        draft = applications.start_draft(db, portal, dresden, service, DraftIn(), None)
        access = draft.access_token
        assert access is not None
        entry = applications.draft_by_token(db, access)
        proof = Document(
            title="Versicherungsbestätigung",
            issuer="Beispiel-Versicherung",
            facts=[("Versicherungsnehmerin", "Erika Mustermann"), ("Tier", "Hund „Bello“")],
        ).render()
        upload = applications.add_upload(db, portal, entry, "insurance", "versicherung.pdf", proof)
        data = {
            "name": "Erika Mustermann",
            "street": "Altmarkt 1",
            "postcode": "01067",
            "city": "Dresden",
            "dog_name": "Bello",
            "breed": "Dackel",
            "since": (date.today() - timedelta(days=5)).isoformat(),
            "insurance": upload.id,
        }
        submitted = applications.submit(
            db, portal, dresden, service, data, SubmitIn(), citizen_subject=None, draft=entry
        )
    context.say(
        f"Dresden: a dog-tax application in the Bürgeramt's inbox "
        f"(tracking code {submitted.submission.tracking_code})"
    )
