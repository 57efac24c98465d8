"""Public WiFi hotspots of the Stadtwerke: node lists (Freifunk meshviewer.json, nodes.json),
online state and client counts as SensorThings Datastreams, offline cases, map and portal."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import LiveSource, MapLayer, Module, NavEntry, NotPersonal
from smartcity.core.web.i18n import gettext_noop as _
from smartcity.wifi import demo
from smartcity.wifi.jobs import FETCH, OUTAGES
from smartcity.wifi.map import wifi_datastreams, wifi_features, wifi_things
from smartcity.wifi.open_data import DATASETS
from smartcity.wifi.pages import portal_pages, staff_pages
from smartcity.wifi.permissions import WIFI_MANAGE
from smartcity.wifi.routes import router

HERE = Path(__file__).parent

module = Module(
    name="wifi",
    # transit: the Stadtwerke's role; cases and citizen: an offline hotspot's case.
    requires=("transit", "cases", "citizen"),
    models=("smartcity.wifi.models",),
    migrations=HERE / "migrations",
    permissions=(WIFI_MANAGE,),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(FETCH, OUTAGES),
    navigation=(NavEntry("wlan", "WiFi", WIFI_MANAGE, order=52),),
    portal_navigation=(NavEntry("wlan", "WiFi", order=27),),
    map_layers=(MapLayer("wlan", _("WiFi hotspots"), wifi_features, things=wifi_things),),
    live_sources=(LiveSource("wlan", wifi_datastreams),),
    datasets=DATASETS,
    not_personal=(
        NotPersonal(
            "wifi_hotspot",
            ("name", "node_key"),
            "A public hotspot's name and a keyed hash of its router's id (never the id).",
        ),
        NotPersonal(
            "wifi_source",
            ("url", "name_prefix", "result"),
            "Where the node list comes from and what reading it found.",
        ),
    ),
)
