"""Charging points: creating operators, tariffs, locations and EVSEs (each EVSE a Thing with a
status Datastream), taking EVSEs out of service, the roaming partners' tokens, and the current
state of every location read from the newest status Observations.

A charge-point operator's backend reports an EVSE's status as an Observation of its status
Datastream (HTTP or MQTT, as any SensorThings device does). Nothing here sits on that path:
the OCPI answers, the map and the portal read the newest Observation when asked, so a report
is visible at once and `last_updated` moves with it (OCPI's `date_from` filters see it)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.charging.models import (
    ChargingLocation,
    Connector,
    Evse,
    Operator,
    Partner,
    Tariff,
)
from smartcity.charging.schemas import EvseIn, LocationIn, OperatorIn, TariffIn
from smartcity.charging.vocabulary import ocpi_status
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.lookup import get_or_404
from smartcity.core.spatial import great_circle_m
from smartcity.core.web.near import Place
from smartcity.sensorthings import latest
from smartcity.sensorthings.provisioning import StreamSpec, create_thing

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
STATUS_DEFINITION = "urn:smartcity:charging:evse-status"
# Statuses under which a driver finds the charger free.
FREE = frozenset({"AVAILABLE"})


# ---- staff: operators, tariffs, locations, EVSEs ----------------------------------------


def create_operator(db: Session, wanted: OperatorIn, *, actor: str) -> Operator:
    clash = db.scalar(
        select(Operator).where(
            Operator.country_code == wanted.country_code, Operator.party_id == wanted.party_id
        )
    )
    if clash is not None:
        raise Conflict(f"There is already an operator {wanted.country_code}*{wanted.party_id}.")
    operator = Operator(**wanted.model_dump())
    db.add(operator)
    db.flush()
    _record(db, actor, "charging.operator.create", "charging_operator", operator.id, wanted)
    return operator


def all_operators(db: Session) -> list[Operator]:
    return list(db.scalars(select(Operator).order_by(Operator.name)))


def create_tariff(db: Session, wanted: TariffIn, *, actor: str) -> Tariff:
    _operator(db, wanted.operator_id)
    if db.scalar(select(Tariff.id).where(_same(Tariff.ocpi_id, wanted.ocpi_id))) is not None:
        raise Conflict(f"There is already a tariff {wanted.ocpi_id!r}.")
    tariff = Tariff(**wanted.model_dump())
    db.add(tariff)
    db.flush()
    _record(db, actor, "charging.tariff.create", "charging_tariff", tariff.id, wanted)
    return tariff


def all_tariffs(db: Session) -> list[Tariff]:
    return list(db.scalars(select(Tariff).order_by(Tariff.ocpi_id)))


def create_location(db: Session, wanted: LocationIn, *, actor: str) -> ChargingLocation:
    _operator(db, wanted.operator_id)
    if db.scalar(
        select(ChargingLocation.id).where(_same(ChargingLocation.ocpi_id, wanted.ocpi_id))
    ):
        raise Conflict(f"There is already a charging location {wanted.ocpi_id!r}.")
    location = ChargingLocation(**wanted.model_dump())
    db.add(location)
    db.flush()
    _record(db, actor, "charging.location.create", "charging_location", location.id, wanted)
    return location


def get_location(db: Session, location_id: int) -> ChargingLocation:
    return get_or_404(db, ChargingLocation, location_id, "charging location")


def add_evse(db: Session, location: ChargingLocation, wanted: EvseIn, *, actor: str) -> Evse:
    """An EVSE with its connectors, and its Thing (at the location) with the status
    Datastream the operator's backend reports to."""
    if db.scalar(select(Evse.id).where(_same(Evse.uid, wanted.uid))) is not None:
        raise Conflict(f"There is already an EVSE {wanted.uid!r}.")
    if wanted.evse_id and db.scalar(select(Evse.id).where(Evse.evse_id == wanted.evse_id)):
        raise Conflict(f"The EVSE ID {wanted.evse_id!r} is already in use.")
    if wanted.tariff_id is not None and db.get(Tariff, wanted.tariff_id) is None:
        raise InvalidInput(f"There is no tariff {wanted.tariff_id} in this municipality.")
    label = wanted.evse_id or wanted.uid
    thing = create_thing(
        db,
        name=f"Ladepunkt {label}",
        description=f"Ladepunkt {label} am Standort {location.name}",
        kind="charging-point",
        lat=location.lat,
        lon=location.lon,
        sensor_name="Backend des Ladesäulenbetreibers",
        streams=[
            StreamSpec(
                {
                    "name": f"Status Ladepunkt {label}",
                    "description": "OCPI-Status des Ladepunkts (AVAILABLE, CHARGING, …)",
                    "observationType": OM + "OM_CategoryObservation",
                    "unitOfMeasurement": {"name": "", "symbol": "", "definition": ""},
                },
                "Status des Ladepunkts",
                STATUS_DEFINITION,
            )
        ],
    )
    now = utcnow()
    evse = Evse(
        location_id=location.id,
        uid=wanted.uid,
        evse_id=wanted.evse_id,
        physical_reference=wanted.physical_reference,
        capabilities=wanted.capabilities,
        parking_restrictions=wanted.parking_restrictions,
        tariff_id=wanted.tariff_id,
        thing_id=thing.id,
        datastream_id=thing.datastreams[0].id,
        updated_at=now,
        connectors=[Connector(**c.model_dump(), updated_at=now) for c in wanted.connectors],
    )
    db.add(evse)
    location.updated_at = now
    db.flush()
    _record(db, actor, "charging.evse.create", "charging_evse", evse.id, wanted)
    return evse


def get_evse(db: Session, evse_id: int) -> Evse:
    return get_or_404(db, Evse, evse_id, "EVSE")


def remove_evse(db: Session, evse: Evse, *, actor: str) -> None:
    """Out of service for good: OCPI keeps it, with status REMOVED."""
    if evse.removed_at is not None:
        raise Conflict("This EVSE has already been taken out of service.")
    now = utcnow()
    evse.removed_at = now
    evse.updated_at = now
    evse.location.updated_at = now
    audit.record(
        db,
        actor=actor,
        action="charging.evse.remove",
        resource_type="charging_evse",
        resource_id=str(evse.id),
        changes={"uid": evse.uid},
    )


def _same(column: Any, ocpi_id: str) -> Any:
    """OCPI's ids are CiStrings: "dd-hbf" and "DD-HBF" are one id, so partners (who look
    them up case-insensitively) must never find two."""
    return func.lower(column) == ocpi_id.lower()


def _operator(db: Session, operator_id: int) -> Operator:
    operator = db.get(Operator, operator_id)
    if operator is None:
        raise InvalidInput(f"There is no operator {operator_id} in this municipality.")
    return operator


def _record(db: Session, actor: str, action: str, kind: str, ident: int, data: object) -> None:
    changes = data.model_dump(mode="json") if hasattr(data, "model_dump") else {}
    audit.record(
        db, actor=actor, action=action, resource_type=kind, resource_id=str(ident), changes=changes
    )


# ---- roaming partners -------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_partner(db: Session, name: str, *, actor: str) -> tuple[Partner, str]:
    """A partner and its token; the token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    partner = Partner(name=name, token_hash=token_hash(token))
    db.add(partner)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="charging.partner.create",
        resource_type="charging_partner",
        resource_id=str(partner.id),
        changes={"name": name},
    )
    return partner, token


def all_partners(db: Session) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.name, Partner.id)))


def revoke_partner(db: Session, partner_id: int, *, actor: str) -> Partner:
    partner = get_or_404(db, Partner, partner_id, "partner")
    if partner.revoked_at is None:
        partner.revoked_at = utcnow()
        audit.record(
            db,
            actor=actor,
            action="charging.partner.revoke",
            resource_type="charging_partner",
            resource_id=str(partner.id),
            changes={"name": partner.name},
        )
    return partner


def authenticate(db: Session, token: str) -> Partner | None:
    """The partner holding `token` in this municipality, unless revoked; notes its use
    (to the minute, so that polling does not write at every request)."""
    partner = db.scalar(
        select(Partner).where(Partner.token_hash == token_hash(token), Partner.revoked_at.is_(None))
    )
    if partner is not None:
        now = utcnow()
        if partner.last_used_at is None or (now - partner.last_used_at).total_seconds() > 60:
            partner.last_used_at = now
    return partner


# ---- current state ----------------------------------------------------------------------


@dataclass
class EvseState:
    evse: Evse
    status: str
    status_at: datetime | None
    last_updated: datetime

    @property
    def free(self) -> bool:
        return self.status in FREE

    @property
    def max_power_kw(self) -> float:
        """As a charger is labelled: whole kW from 10 kW up (230 V × 32 A × 3 is "22 kW")."""
        kw = max((power_w(c) for c in self.evse.connectors), default=0) / 1000
        return float(round(kw)) if kw >= 10 else round(kw, 1)


@dataclass
class LocationState:
    location: ChargingLocation
    evses: list[EvseState] = field(default_factory=list)
    last_updated: datetime | None = None

    @property
    def available(self) -> int:
        return sum(1 for e in self.evses if e.free)

    @property
    def in_service(self) -> list[EvseState]:
        return [e for e in self.evses if e.status != "REMOVED"]


def power_w(connector: Connector) -> int:
    """The connector's maximum power: as declared, else voltage × current (× 3 phases)."""
    if connector.max_electric_power:
        return connector.max_electric_power
    phases = 3 if connector.power_type == "AC_3_PHASE" else 1
    return connector.max_voltage * connector.max_amperage * phases


def newest_statuses(db: Session, datastream_ids: list[int]) -> dict[int, tuple[datetime, str]]:
    """The newest Observation (time, text) of each status Datastream: one index seek each."""
    return latest.newest_texts(db, datastream_ids)


def states(db: Session, location_ids: list[int] | None = None) -> list[LocationState]:
    """Every location (or those named) with its EVSEs' current status: three queries."""
    query = (
        select(ChargingLocation)
        .options(selectinload(ChargingLocation.evses).selectinload(Evse.connectors))
        .order_by(ChargingLocation.id)
    )
    if location_ids is not None:
        query = query.where(ChargingLocation.id.in_(location_ids))
    locations = list(db.scalars(query))
    reports = newest_statuses(
        db,
        [e.datastream_id for loc in locations for e in loc.evses if e.datastream_id is not None],
    )
    found = []
    for location in locations:
        state = LocationState(location)
        for evse in location.evses:
            at, reported = reports.get(evse.datastream_id or 0, (None, None))
            status = "REMOVED" if evse.removed_at is not None else ocpi_status(reported)
            changed = [evse.updated_at, *(c.updated_at for c in evse.connectors)]
            if at is not None and evse.removed_at is None:
                changed.append(at)
            state.evses.append(EvseState(evse, status, at, max(changed)))
        state.last_updated = max([location.updated_at, *(e.last_updated for e in state.evses)])
        found.append(state)
    return found


def location_by_ocpi_id(db: Session, ocpi_id: str) -> LocationState | None:
    found = db.scalar(select(ChargingLocation.id).where(_same(ChargingLocation.ocpi_id, ocpi_id)))
    if found is None:
        return None
    return states(db, [found])[0]


# ---- near a place -----------------------------------------------------------------------


@dataclass
class Nearby:
    state: LocationState
    distance_m: float


def nearest(
    db: Session, lat: float, lon: float, *, only_free: bool, limit: int = 10
) -> list[Nearby]:
    """Locations in service nearest to a point, nearest first; with `only_free`, those with
    at least one free charger."""
    found = [
        Nearby(state, great_circle_m(lat, lon, state.location.lat, state.location.lon))
        for state in states(db)
        if state.in_service and (state.available > 0 or not only_free)
    ]
    return sorted(found, key=lambda n: n.distance_m)[:limit]


def places_named(db: Session, text: str, limit: int = 8) -> list[Place]:
    """Charging locations whose name, street or postcode contains the text."""
    pattern = "%" + text.strip().lower().replace("%", "").replace("_", "") + "%"
    rows = db.scalars(
        select(ChargingLocation)
        .where(
            or_(
                func.lower(ChargingLocation.name).like(pattern),
                func.lower(ChargingLocation.address).like(pattern),
                ChargingLocation.postal_code.like(pattern),
            )
        )
        .order_by(ChargingLocation.name)
        .limit(limit)
    )
    return [Place(f"{r.name}, {r.address}", r.lat, r.lon) for r in rows]


def price_incl_vat(tariff: Tariff, net: Decimal | None) -> Decimal | None:
    if net is None:
        return None
    gross = net * (1 + tariff.vat_percent / 100)
    return gross.quantize(Decimal("0.01"))
