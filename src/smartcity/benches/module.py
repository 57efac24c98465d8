"""Smart benches: readings, air-quality indices, kiosk page, alerts."""

from __future__ import annotations

from pathlib import Path

from smartcity.benches import demo
from smartcity.benches.alerts import AIR_QUALITY
from smartcity.benches.map import bench_datastreams, bench_features, bench_things
from smartcity.benches.open_data import DATASETS
from smartcity.benches.pages import router as portal_pages
from smartcity.benches.permissions import BENCHES_MANAGE
from smartcity.benches.routes import pages, router
from smartcity.core.modules import (
    LiveSource,
    MapLayer,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)

HERE = Path(__file__).parent

module = Module(
    name="benches",
    models=("smartcity.benches.models",),
    permissions=(BENCHES_MANAGE,),
    routers=(router,),
    pages=(pages, portal_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(AIR_QUALITY,),
    portal_navigation=(NavEntry("umwelt", "Air and climate", order=30),),
    datasets=DATASETS,
    map_layers=(MapLayer("baenke", "Benches", bench_features, things=bench_things),),
    live_sources=(LiveSource("baenke", bench_datastreams),),
    personal_data=(
        PersonalData(
            table="air_quality_state",
            columns=("alert_email",),
            categories=("user.contact.email",),
            subject="employee",
            purpose="Send air-quality alerts to the responsible office",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention("alert recipient: until changed"),
            identifiers={"alert_email": "email"},
        ),
    ),
    not_personal=(NotPersonal("bench", ("name",), "A bench's name or place."),),
)
