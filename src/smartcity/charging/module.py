"""EV charging points of the Stadtwerke: OCPI 2.2.1 (Locations, Tariffs), AFIR data points,
"free charger near me"."""

from __future__ import annotations

from pathlib import Path

from smartcity.charging import demo
from smartcity.charging.map import charging_datastreams, charging_features, charging_things
from smartcity.charging.ocpi import OcpiError, error_response
from smartcity.charging.open_data import DATASETS
from smartcity.charging.pages import portal_pages, staff_pages
from smartcity.charging.permissions import CHARGING_MANAGE
from smartcity.charging.routes import ocpi_router, router
from smartcity.core.modules import LiveSource, MapLayer, Module, NavEntry, NotPersonal

HERE = Path(__file__).parent

module = Module(
    name="charging",
    # The portal's place search also knows the public transport stops.
    requires=("transit",),
    models=("smartcity.charging.models",),
    migrations=HERE / "migrations",
    permissions=(CHARGING_MANAGE,),
    routers=(ocpi_router, router),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    exception_handlers={OcpiError: error_response},
    navigation=(NavEntry("laden", "Charging points", CHARGING_MANAGE, order=51),),
    portal_navigation=(NavEntry("laden", "Charging", order=26),),
    map_layers=(
        MapLayer("ladepunkte", "Charging points", charging_features, things=charging_things),
    ),
    live_sources=(LiveSource("ladepunkte", charging_datastreams),),
    datasets=DATASETS,
    not_personal=(
        NotPersonal("charging_operator", ("name",), "The company that operates charging points."),
        NotPersonal(
            "charging_location",
            ("name", "address", "supplier_name", "energy_product_name"),
            "A public charging location, its street address and its electricity supplier.",
        ),
        NotPersonal(
            "charging_partner", ("name",), "A roaming platform or access point (a company)."
        ),
    ),
)
