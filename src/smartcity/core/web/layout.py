"""The frame around pages: site name, start page and the navigation of each area, built
from the installed modules' declarations (`Module.navigation`, `Module.portal_navigation`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from smartcity.core.identity.permissions import Principal
from smartcity.core.modules import NavEntry, registry_of
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: bool


def _items(base: str, entries: list[NavEntry], current: str) -> list[NavItem]:
    return [NavItem(base + e.path, gettext_(e.label), e.path == current) for e in entries]


def portal(
    request: Request, municipality: Municipality, current: str, title: str
) -> dict[str, Any]:
    """The citizen portal's frame; `current` is the path of the area the page belongs to."""
    base = f"/{municipality.slug}/"
    return {
        "site_name": municipality.name,
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "nav": _items(base, registry_of(request).portal_navigation(), current),
    }


def staff(
    request: Request, municipality: Municipality, principal: Principal, current: str, title: str
) -> dict[str, Any]:
    """The back office's frame: the areas the principal's roles open in the municipality."""
    base = f"/{municipality.slug}/verwaltung/"
    return {
        "site_name": f"{municipality.name} – " + gettext_("Administration"),
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "nav": _items(base, registry_of(request).navigation_for(principal), current),
    }
