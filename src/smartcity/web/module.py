"""The web shell's own pages: start page, login, portal, back office and cockpit."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import Module
from smartcity.web.backoffice.admin import router as admin_pages
from smartcity.web.backoffice.cases import router as case_pages
from smartcity.web.cockpit.routes import router as cockpit_pages
from smartcity.web.portal.city import router as city_pages
from smartcity.web.portal.routes import router as portal_pages
from smartcity.web.site import router as site_pages

HERE = Path(__file__).parent

module = Module(
    name="web",
    templates=HERE / "templates",
    translations=HERE / "locale",
    pages=(site_pages, portal_pages, city_pages, case_pages, admin_pages, cockpit_pages),
)
