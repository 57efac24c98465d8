"""Open data: the municipality's DCAT-AP.de 3.0 catalogue, released from the modules'
dataset declarations and from datasets the data officer registers."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_ANONYMISE,
    Link,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.opendata import demo, refresh
from smartcity.opendata.pages import portal_pages, staff_pages
from smartcity.opendata.permissions import OPENDATA_MANAGE
from smartcity.opendata.routes import router

HERE = Path(__file__).parent

module = Module(
    name="opendata",
    models=("smartcity.opendata.models",),
    migrations=HERE / "migrations",
    permissions=(OPENDATA_MANAGE,),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    runtime=refresh.runtime,
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    navigation=(NavEntry("offene-daten", "Open data", OPENDATA_MANAGE),),
    portal_navigation=(NavEntry("offene-daten", "Open data", order=60),),
    personal_data=(
        PersonalData(
            table="opendata_dataset",
            columns=("created_by",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Who registered a dataset by hand (accountability of what is published)",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention("open dataset: as long as the dataset is kept"),
            link=Link("created_by", "user_account"),
            erasure=ERASE_ANONYMISE,
        ),
    ),
    not_personal=(
        NotPersonal(
            "opendata_dataset",
            ("description", "description_en", "api_description", "api_description_path"),
            "A published dataset's description: open data, never about a person.",
        ),
        NotPersonal(
            "opendata_settings",
            ("contact_email",),
            "The publisher's functional contact in the catalogue (an office, not a person).",
        ),
        NotPersonal("opendata_distribution", ("file_name",), "A published file's name."),
        NotPersonal(
            "opendata_series",
            ("description", "description_en"),
            "A published dataset series' description: open data, never about a person.",
        ),
    ),
)
