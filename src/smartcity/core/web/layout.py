"""The frame around pages: site name, start page and the navigation of each area, built
from the installed modules' declarations (`Module.navigation`, `Module.portal_navigation`),
the municipality's branding (name, colour, logo) and what modules add to every portal page
(`Module.portal_frame`: banners, alternate links)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from smartcity.core.identity.permissions import Principal
from smartcity.core.modules import NavEntry, PortalFrame, registry_of
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: bool


@dataclass(frozen=True)
class Brand:
    """What the frame shows of a municipality: its name, its colour's stylesheet, its logo."""

    name: str
    slug: str
    theme_url: str | None
    logo_url: str | None


def brand(municipality: Municipality) -> Brand:
    base = f"/{municipality.slug}"
    colour = municipality.brand_colour
    return Brand(
        name=municipality.shown_name,
        slug=municipality.slug,
        # The colour in the address: a changed colour is a new address, so caches may keep it.
        theme_url=f"{base}/gestaltung.css?farbe={colour.lstrip('#')}" if colour else None,
        logo_url=(
            f"{base}/logo?v={municipality.logo_version}" if municipality.logo_version else None
        ),
    )


def _items(base: str, entries: list[NavEntry], current: str) -> list[NavItem]:
    return [NavItem(base + e.path, gettext_(e.label), e.path == current) for e in entries]


def portal(
    request: Request, municipality: Municipality, current: str, title: str
) -> dict[str, Any]:
    """The citizen portal's frame; `current` is the path of the area the page belongs to."""
    base = f"/{municipality.slug}/"
    registry = registry_of(request)
    shown = brand(municipality)
    return {
        "site_name": shown.name,
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "brand": shown,
        "frame": registry.portal_frame(request, municipality),
        "nav": _items(base, registry.portal_navigation(), current),
    }


def staff(
    request: Request, municipality: Municipality, principal: Principal, current: str, title: str
) -> dict[str, Any]:
    """The back office's frame: the areas the principal's roles open in the municipality."""
    base = f"/{municipality.slug}/verwaltung/"
    shown = brand(municipality)
    return {
        "site_name": f"{shown.name} – " + gettext_("Administration"),
        "home_url": base,
        "page_title": title,
        "municipality": municipality,
        "brand": shown,
        "frame": PortalFrame(),
        "nav": _items(base, registry_of(request).navigation_for(principal), current),
    }
