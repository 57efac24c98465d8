"""Charging points as open data (AFIR Art. 20): the static data, the current availability,
the ad-hoc price and whether the energy is renewable, per EVSE, and the live interface."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.charging import services
from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality

COLUMNS = (
    "location_id",
    "location_name",
    "address",
    "postal_code",
    "city",
    "lat",
    "lon",
    "operator",
    "evse_uid",
    "evse_id",
    "connectors",
    "max_power_kw",
    "status",
    "status_since_utc",
    "ad_hoc_price_per_kwh_incl_vat",
    "currency",
    "renewable_energy",
)


def charging_points(db: Session, municipality: Municipality, now: datetime) -> Table:
    rows: list[tuple[object, ...]] = []
    for state in services.states(db):
        location = state.location
        for item in state.in_service:
            evse = item.evse
            tariff = evse.tariff
            rows.append(
                (
                    location.ocpi_id,
                    location.name,
                    location.address,
                    location.postal_code,
                    location.city,
                    round(location.lat, 6),
                    round(location.lon, 6),
                    location.operator.name,
                    evse.uid,
                    evse.evse_id,
                    " ".join(f"{c.standard}/{c.format}/{c.power_type}" for c in evse.connectors),
                    item.max_power_kw,
                    item.status,
                    item.status_at,
                    services.price_incl_vat(tariff, tariff.energy_price) if tariff else None,
                    tariff.currency if tariff else None,
                    location.green_energy,
                )
            )
    return Table(columns=tuple(TableColumn(c) for c in COLUMNS), rows=rows)


DATASETS = (
    DatasetDeclaration(
        key="ladepunkte",
        title="Öffentliche Ladepunkte für Elektrofahrzeuge",
        title_en="Public charging points for electric vehicles",
        description=(
            "Die Ladepunkte der Stadtwerke nach der Verordnung (EU) 2023/1804 (AFIR), Art. 20: "
            "Standort, Stecker und Leistung, aktueller Status, Ad-hoc-Preis je kWh inklusive "
            "Mehrwertsteuer und ob der Strom zu 100 % aus erneuerbaren Quellen stammt. Für "
            "Roaming-Plattformen zusätzlich über OCPI 2.2.1."
        ),
        description_en=(
            "The Stadtwerke's charging points under Regulation (EU) 2023/1804 (AFIR), Art. 20: "
            "location, connectors and power, current status, ad-hoc price per kWh including "
            "VAT, and whether the electricity is 100 % renewable. Roaming platforms also get "
            "them over OCPI 2.2.1."
        ),
        themes=("TRAN", "ENER"),
        frequency="UPDATE_CONT",
        keywords=("Ladesäule", "Elektromobilität", "AFIR", "OCPI"),
        table=charging_points,
        api=DataApi(
            title="Ladepunkte (JSON)",
            description="Ladepunkte mit Status, Ad-hoc-Preis und Ökostrom-Angabe.",
            path="api/v1/charging/locations",
        ),
        hvd_category="c_b79e35eb",
    ),
)
