"""Energy of municipal buildings: buildings and their meters (SensorThings Things and
Datastreams), meter readings by HTTP, MQTT or CSV, consumption per month and year, kWh per m²
against reference values, anomalies and their cases, the energy report as CSV and as open
data."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import Module, NavEntry, NotPersonal
from smartcity.energy import demo
from smartcity.energy.jobs import ANOMALIES
from smartcity.energy.open_data import DATASETS
from smartcity.energy.pages import staff_pages
from smartcity.energy.permissions import ENERGY_MANAGE, ENERGY_MANAGER

HERE = Path(__file__).parent

module = Module(
    name="energy",
    # The Stadtwerke's role (declared by transit) may look after the buildings' energy too;
    # cases and citizen: an anomaly's case in the energy manager's inbox.
    requires=("transit", "cases", "citizen"),
    models=("smartcity.energy.models",),
    migrations=HERE / "migrations",
    permissions=(ENERGY_MANAGE,),
    roles=(ENERGY_MANAGER,),
    pages=(staff_pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(ANOMALIES,),
    navigation=(NavEntry("energie", "Building energy", ENERGY_MANAGE, order=52),),
    datasets=DATASETS,
    not_personal=(
        NotPersonal(
            "energy_building", ("name", "address"), "A municipal building and its street address."
        ),
        NotPersonal(
            "energy_reference", ("source",), "Where a published reference value comes from."
        ),
    ),
)
