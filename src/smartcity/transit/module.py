"""Public transport (ÖPNV) of the Stadtwerke: GTFS timetables, GTFS-Realtime, departures."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    LargeBody,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.transit import demo
from smartcity.transit.jobs import IMPORT, REALTIME, TIMETABLE
from smartcity.transit.pages import portal_pages, staff_pages
from smartcity.transit.permissions import TRANSIT_MANAGE, UTILITY_STAFF
from smartcity.transit.routes import router
from smartcity.transit.settings import TransitSettings

HERE = Path(__file__).parent

module = Module(
    name="transit",
    models=("smartcity.transit.models",),
    migrations=HERE / "migrations",
    permissions=(TRANSIT_MANAGE,),
    roles=(UTILITY_STAFF,),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    static=HERE / "static",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(IMPORT, TIMETABLE, REALTIME),
    navigation=(NavEntry("oepnv", "Public transport", TRANSIT_MANAGE, order=50),),
    portal_navigation=(NavEntry("oepnv", "Departures", order=25),),
    # A city's timetable zip is larger than the platform's request limit; both upload paths
    # check the permission before they read the body.
    large_bodies=(
        LargeBody(
            r"/[^/]+/(verwaltung/oepnv/fahrplan|api/v1/transit/feeds)",
            lambda: TransitSettings().max_feed_bytes,
        ),
    ),
    personal_data=(
        PersonalData(
            table="transit_feed",
            columns=("uploaded_by",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Know which staff member uploaded a timetable (the audit log names them too)",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention("uploader of a timetable: as long as the version is listed"),
            identifiers={"uploaded_by": "user_id"},
        ),
    ),
    not_personal=(
        NotPersonal("transit_agency", ("name", "url"), "A transport company of the timetable."),
        NotPersonal("transit_stop", ("name", "code"), "A public transport stop."),
        NotPersonal(
            "transit_route", ("short_name", "long_name", "text_color"), "A bus or tram line."
        ),
        NotPersonal(
            "transit_feed",
            ("filename", "stored_path", "message"),
            "A timetable file and why the platform refused it.",
        ),
        NotPersonal(
            "transit_rt_alert", ("description",), "A service alert of the transport company."
        ),
    ),
)
