"""The Mängelmelder: defect reports over Open311 GeoReport v2, worked as cases."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases.permissions import CASES_READ
from smartcity.core.modules import (
    ERASE_ANONYMISE,
    Link,
    MapLayer,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.open311 import demo
from smartcity.open311.formats import Open311Error, handle
from smartcity.open311.map import report_features
from smartcity.open311.open_data import DATASETS
from smartcity.open311.pages import portal_pages, staff_pages
from smartcity.open311.routes import router, staff

HERE = Path(__file__).parent

module = Module(
    name="open311",
    requires=("cases", "citizen"),
    models=("smartcity.open311.models",),
    routers=(router, staff),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    exception_handlers={Open311Error: handle},
    navigation=(NavEntry("maengel", "Defect reports", CASES_READ, order=20),),
    portal_navigation=(NavEntry("maengel", "Report a defect", order=10),),
    datasets=DATASETS,
    map_layers=(MapLayer("maengel", "Defect reports", report_features),),
    personal_data=(
        PersonalData(
            table="service_request",
            columns=("address", "description", "media_url", "media_public_id"),
            categories=("user.content.public", "user.location.imprecise"),
            subject="citizen_voter",
            purpose="Fix the reported defect; show it publicly (Open311) once a clerk checked it",
            legal_basis="Art. 6 (1) e GDPR with the municipality's road and public-order duties",
            retention=Retention(
                "defect report: 2 years after the report",
                days=730,
                after="requested_at",
                action=ERASE_ANONYMISE,
            ),
            recipients=("the department in charge", "the public (after review, Open311)"),
            link=Link("case_id", "case_file"),
            service="defect-report",
        ),
    ),
    not_personal=(NotPersonal("report_category", ("name", "description"), "A kind of defect."),),
)
