"""The module's rows as the public and staff API show them."""

from __future__ import annotations

from smartcity.charging.models import Partner
from smartcity.charging.schemas import ConnectorOut, EvseOut, LocationOut, PartnerOut
from smartcity.charging.services import LocationState, power_w, price_incl_vat


def location_out(state: LocationState) -> LocationOut:
    location = state.location
    evses = []
    for item in state.in_service:
        evse = item.evse
        tariff = evse.tariff
        evses.append(
            EvseOut(
                uid=evse.uid,
                evse_id=evse.evse_id,
                status=item.status,
                status_since=item.status_at,
                datastream_id=evse.datastream_id,
                connectors=[
                    ConnectorOut(
                        id=c.connector_id,
                        standard=c.standard,
                        format=c.format,
                        power_type=c.power_type,
                        max_power_kw=power_w(c) / 1000,
                    )
                    for c in evse.connectors
                ],
                price_per_kwh_incl_vat=price_incl_vat(tariff, tariff.energy_price)
                if tariff
                else None,
                currency=tariff.currency if tariff else None,
            )
        )
    return LocationOut(
        id=location.ocpi_id,
        name=location.name,
        address=location.address,
        postal_code=location.postal_code,
        city=location.city,
        lat=location.lat,
        lon=location.lon,
        operator=location.operator.name,
        green_energy=location.green_energy,
        available=state.available,
        evses=evses,
        last_updated=state.last_updated or location.updated_at,
    )


def partner_out(partner: Partner) -> PartnerOut:
    return PartnerOut(
        id=partner.id,
        name=partner.name,
        created_at=partner.created_at,
        last_used_at=partner.last_used_at,
        revoked_at=partner.revoked_at,
    )
