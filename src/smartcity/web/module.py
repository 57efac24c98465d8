"""The web shell's own pages: start page, login, the back office's overview and administration,
and the cockpit. The domains bring their own pages (`Module.pages`)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    MUNICIPALITY_READ,
    STAFF_READ,
)
from smartcity.core.modules import Module, NavEntry
from smartcity.web import demo
from smartcity.web.account import router as account_pages
from smartcity.web.backoffice.admin import router as admin_pages
from smartcity.web.backoffice.appearance import router as appearance_pages
from smartcity.web.cockpit.routes import router as cockpit_pages
from smartcity.web.legal import router as legal_pages
from smartcity.web.maplayers import router as map_layers
from smartcity.web.permissions import COCKPIT_VIEW, SITE_MANAGE
from smartcity.web.site import router as site_pages

HERE = Path(__file__).parent

module = Module(
    name="web",
    permissions=(COCKPIT_VIEW, SITE_MANAGE),
    demo_seeders=(demo.seed,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    pages=(
        site_pages,
        account_pages,
        map_layers,
        admin_pages,
        appearance_pages,
        cockpit_pages,
        legal_pages,
    ),
    # The back office's own areas; the modules add theirs (orders 10–30: inbox, defect
    # reports, water meters).
    navigation=(
        NavEntry("", "Overview", MUNICIPALITY_READ, order=0),
        NavEntry("cockpit", "City cockpit", COCKPIT_VIEW, order=40),
        NavEntry("benutzer", "Users and roles", STAFF_READ, order=50),
        NavEntry("api-schluessel", "API keys", APIKEYS_MANAGE, order=60),
        NavEntry("protokoll", "Audit log", AUDIT_READ, order=70),
        NavEntry("auftritt", "Portal appearance", SITE_MANAGE, order=80),
    ),
)
