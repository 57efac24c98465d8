"""The frame around pages: site name, start page and navigation of each area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartcity.core.identity.permissions import Principal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import _, gettext_
from smartcity.web.backoffice.navigation import items_for


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: bool


PORTAL_NAV = [
    ("", _("Services")),
    ("maengel", _("Report a defect")),
    ("parken", _("Parking")),
    ("umwelt", _("Air and climate")),
    ("status", _("Track an application")),
]


def portal(municipality: Municipality, current: str, title: str) -> dict[str, Any]:
    base = f"/{municipality.slug}/"
    return {
        "site_name": municipality.name,
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "nav": [
            NavItem(base + path, gettext_(label), path == current) for path, label in PORTAL_NAV
        ],
    }


def staff(
    municipality: Municipality, principal: Principal, current: str, title: str
) -> dict[str, Any]:
    base = f"/{municipality.slug}/verwaltung/"
    return {
        "site_name": f"{municipality.name} – " + gettext_("Administration"),
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "nav": [
            NavItem(base + path, gettext_(label), path == current)
            for path, label in items_for(principal)
        ],
    }
