"""The buildings' consumption as open data: per building, carrier and complete month, with
the floor area so that anyone can compare per m². Meter numbers are left out (they identify
a metering point, not what the public needs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.core.modules import DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.energy import services
from smartcity.energy.vocabulary import CARRIER_UNITS

COLUMNS = (
    "building",
    "address",
    "postal_code",
    "use_type",
    "net_floor_area_m2",
    "lat",
    "lon",
    "carrier",
    "unit",
    "month",
    "consumption",
)


def consumption_by_month(db: Session, municipality: Municipality, now: datetime) -> Table:
    rows: list[tuple[object, ...]] = []
    for report in services.reports(db, municipality.timezone):
        building = report.building
        for carrier in report.carriers():
            months, covered = report.carrier_months(carrier)
            for year, month in sorted(covered):
                rows.append(
                    (
                        building.name,
                        building.address,
                        building.postal_code,
                        building.use_type,
                        round(building.floor_area_m2, 1),
                        round(building.lat, 6),
                        round(building.lon, 6),
                        carrier,
                        CARRIER_UNITS[carrier],
                        f"{year}-{month:02d}",
                        round(months.get((year, month), 0.0), 1),
                    )
                )
    return Table(columns=tuple(TableColumn(c) for c in COLUMNS), rows=rows)


DATASETS = (
    DatasetDeclaration(
        key="energieverbrauch-gebaeude",
        title="Energie- und Wasserverbrauch städtischer Gebäude",
        title_en="Energy and water used by municipal buildings",
        description=(
            "Monatlicher Verbrauch der städtischen Gebäude an Heizenergie (Fernwärme und Gas, "
            "in kWh), Strom (kWh) und Wasser (m³), aus den Zählerständen berechnet, mit "
            "Nutzungsart und Nettogrundfläche. Nur vollständig erfasste Monate."
        ),
        description_en=(
            "Monthly heating energy (district heating and gas, in kWh), electricity (kWh) and "
            "water (m³) used by the municipality's buildings, computed from the meter readings, "
            "with use type and net floor area. Completely metered months only."
        ),
        themes=("ENER", "GOVE"),
        frequency="MONTHLY",
        keywords=("Energieverbrauch", "Kommunales Energiemanagement", "Gebäude"),
        table=consumption_by_month,
    ),
)
