"""Citizen services (OZG): the service catalog, forms, drafts, submissions, citizen login."""

from __future__ import annotations

from smartcity.citizen import demo
from smartcity.citizen.applications import DRAFT_CLEANUP
from smartcity.citizen.permissions import CATALOG_ADOPT, CATALOG_DEFINE
from smartcity.citizen.routes import citizen_auth, router, staff
from smartcity.core.modules import Module

module = Module(
    name="citizen",
    requires=("cases",),
    models=("smartcity.citizen.models",),
    permissions=(CATALOG_DEFINE, CATALOG_ADOPT),
    routers=(router, staff, citizen_auth),
    demo_seeders=(demo.seed,),
    jobs=(DRAFT_CLEANUP,),
)
