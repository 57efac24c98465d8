"""Creating and finding regions and municipalities."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.snapshots import WATCHED, kept
from smartcity.core.tenancy.models import Municipality, Region
from smartcity.core.tenancy.scope import SCOPE_KEY, TenantScope

WATCHED.add(Municipality)

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
# Amtlicher Gemeindeschlüssel: 2 digits Land (01-16), 1 Regierungsbezirk, 2 Kreis, 3 Gemeinde.
AGS_PATTERN = re.compile(r"^(0[1-9]|1[0-6])\d{6}$")
DEFAULT_REGION_SLUG = "region"


@dataclass(frozen=True)
class MunicipalityInput:
    slug: str
    name: str
    ags: str
    timezone: str = "Europe/Berlin"
    center_lat: float = 51.1657
    center_lon: float = 10.4515


def validate_municipality(data: MunicipalityInput, *, reserved: Collection[str]) -> None:
    """`reserved`: the first path segments the platform's routes use (`Registry.reserved_slugs`
    of the installed modules); a municipality's URLs start with its slug, so it cannot take one.
    """
    errors: dict[str, str] = {}
    if not SLUG_PATTERN.match(data.slug):
        errors["slug"] = (
            "2-63 characters: lower-case letters, digits and hyphens, starting with a letter"
        )
    elif data.slug in reserved:
        errors["slug"] = f"'{data.slug}' is reserved by the platform"
    if not data.name.strip():
        errors["name"] = "must not be empty"
    if not AGS_PATTERN.match(data.ags):
        errors["ags"] = "the Amtlicher Gemeindeschlüssel has 8 digits and starts with 01-16"
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"unknown time zone '{data.timezone}'"
    if not -90 <= data.center_lat <= 90:
        errors["center_lat"] = "latitude must be between -90 and 90"
    if not -180 <= data.center_lon <= 180:
        errors["center_lon"] = "longitude must be between -180 and 180"
    if errors:
        raise InvalidInput("The municipality data is not valid.", errors=errors)


def get_or_create_region(session: Session, slug: str = DEFAULT_REGION_SLUG) -> Region:
    region = session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        region = Region(slug=slug, name="Smart Region")
        session.add(region)
        session.flush()
    return region


def create_municipality(
    session: Session,
    data: MunicipalityInput,
    region: Region | None = None,
    *,
    reserved: Collection[str],
) -> Municipality:
    validate_municipality(data, reserved=reserved)
    if session.scalar(select(Municipality.id).where(Municipality.slug == data.slug)):
        raise Conflict(f"A municipality with slug '{data.slug}' exists already.")
    if session.scalar(select(Municipality.id).where(Municipality.ags == data.ags)):
        raise Conflict(f"A municipality with AGS {data.ags} exists already.")
    region = region or get_or_create_region(session)
    municipality = Municipality(
        region_id=region.id,
        slug=data.slug,
        name=data.name.strip(),
        ags=data.ags,
        timezone=data.timezone,
        center_lat=data.center_lat,
        center_lon=data.center_lon,
    )
    session.add(municipality)
    session.flush()
    return municipality


# Built once, the slug a bound parameter: every request of a municipality's pages and API
# looks it up first.
_BY_SLUG = select(Municipality).where(Municipality.slug == bindparam("slug"))


def get_municipality(session: Session, slug: str) -> Municipality:
    municipality = session.scalar(_BY_SLUG, {"slug": slug})
    if municipality is None:
        raise NotFound(f"There is no municipality '{slug}'.")
    return municipality


def enter_municipality(db: Session, slug: str) -> Municipality:
    """What every request of a municipality's pages and API does first: the municipality,
    from the process's copy while it is fresh (core/snapshots) and attached to `db` without
    a query, and `db` scoped to it."""
    found = kept(db, ("municipality", slug), lambda fresh: get_municipality(fresh, slug))
    municipality = db.merge(found, load=False)
    db.info[SCOPE_KEY] = scope_for(municipality)
    return municipality


def list_municipalities(session: Session) -> list[Municipality]:
    return list(session.scalars(select(Municipality).order_by(Municipality.name)))


def scope_for(municipality: Municipality) -> TenantScope:
    return TenantScope(
        municipality_id=municipality.id, region_id=municipality.region_id, slug=municipality.slug
    )
