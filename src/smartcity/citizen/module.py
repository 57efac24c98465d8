"""Citizen services (OZG): the service catalog, forms, drafts, submissions, citizen login."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases import interfaces as cases
from smartcity.citizen import demo
from smartcity.citizen.applications import DRAFT_CLEANUP
from smartcity.citizen.case_applications import CitizenApplications
from smartcity.citizen.case_routes import case_files
from smartcity.citizen.catalog_routes import staff
from smartcity.citizen.login_routes import citizen_auth
from smartcity.citizen.pages import router as pages
from smartcity.citizen.permissions import CATALOG_ADOPT, CATALOG_DEFINE
from smartcity.citizen.routes import router
from smartcity.core.modules import Module, NavEntry

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
    portal_navigation=(
        NavEntry("", "Services", order=0),
        NavEntry("status", "Track an application", order=40),
    ),
)
