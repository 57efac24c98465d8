"""Citizen services (OZG): the service catalog, forms, drafts, submissions, citizen login."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases import interfaces as cases
from smartcity.citizen import demo
from smartcity.citizen.applications import DRAFT_CLEANUP, DRAFT_RETENTION
from smartcity.citizen.case_applications import CitizenApplications
from smartcity.citizen.case_routes import case_files
from smartcity.citizen.catalog_routes import staff
from smartcity.citizen.login_routes import citizen_auth
from smartcity.citizen.pages import router as pages
from smartcity.citizen.permissions import CATALOG_ADOPT, CATALOG_DEFINE
from smartcity.citizen.routes import router
from smartcity.core.modules import (
    ERASE_DELETE,
    Link,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)

# Cases learn about the applications they were opened for from here (they import no other
# domain; see smartcity.cases.interfaces).
cases.provide(CitizenApplications())

HERE = Path(__file__).parent

module = Module(
    name="citizen",
    requires=("cases",),
    models=("smartcity.citizen.models",),
    permissions=(CATALOG_DEFINE, CATALOG_ADOPT),
    routers=(router, staff, citizen_auth, case_files),
    pages=(pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(DRAFT_CLEANUP,),
    retention_jobs=(DRAFT_RETENTION,),
    portal_navigation=(
        NavEntry("", "Services", order=0),
        NavEntry("status", "Track an application", order=40),
    ),
    personal_data=(
        PersonalData(
            table="submission",
            columns=(
                "data",
                "data_sha256",
                "contact_email",
                "citizen_subject",
                "receipt",
                "tracking_code",
            ),
            categories=(
                "user.content.private",
                "user.name",
                "user.contact",
                "user.unique_id",
            ),
            subject="citizen_voter",
            purpose="Process the application the citizen submitted (the service's procedure)",
            legal_basis=(
                "Art. 6 (1) e GDPR with the service's law; § 3 OZG, §§ 9 ff. VwVfG "
                "(administrative procedure)"
            ),
            retention=Retention(
                "application: with its case file, per service after closing",
                handled_by="cases.retention",
            ),
            recipients=("the department in charge", "FIT-Connect destination where set up"),
            identifiers={
                "contact_email": "email",
                "citizen_subject": "citizen_subject",
                "tracking_code": "tracking_code",
            },
            service="applications",
        ),
        PersonalData(
            table="application_draft",
            columns=("data", "citizen_subject"),
            categories=("user.content.private", "user.unique_id"),
            subject="citizen_voter",
            purpose="Keep an application being filled in so that it can be continued",
            legal_basis="Art. 6 (1) e GDPR; § 3 OZG",
            retention=Retention(
                "draft: until it expires unused (days set by the portal)",
                handled_by="citizen.drafts",
            ),
            identifiers={"citizen_subject": "citizen_subject"},
            erasure=ERASE_DELETE,
            service="applications",
        ),
        PersonalData(
            table="stored_file",
            columns=("original_name", "storage_name"),
            categories=("user.content.private",),
            subject="citizen_voter",
            purpose="Attachments to an application (proofs, photos)",
            legal_basis="Art. 6 (1) e GDPR with the service's law",
            retention=Retention("attachment: with its case file", handled_by="cases.retention"),
            link=Link("owner_id", "submission", where={"owner_kind": "submission"}),
            erasure=ERASE_DELETE,
            service="applications",
        ),
        PersonalData(
            table="stored_file",
            columns=("original_name", "storage_name"),
            categories=("user.content.private",),
            subject="citizen_voter",
            purpose="Attachments to an application being filled in",
            legal_basis="Art. 6 (1) e GDPR; § 3 OZG",
            retention=Retention("draft attachment: with its draft", handled_by="citizen.drafts"),
            link=Link("owner_id", "application_draft", where={"owner_kind": "draft"}),
            erasure=ERASE_DELETE,
            service="applications",
        ),
    ),
    not_personal=(
        NotPersonal("service_template", ("name", "description"), "A service's name and text."),
        NotPersonal(
            "service_adoption",
            ("contact_email", "contact_phone"),
            "The department's functional contact for a service, published on the portal.",
        ),
        NotPersonal(
            "service_adoption",
            ("office_address", "office_hours"),
            "Where and when the office receives citizens, published on the portal.",
        ),
    ),
)
