"""The council information system with OParl 1.1 as its public interface (docs/council.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_KEEP,
    Link,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.council import demo
from smartcity.council.oparl import OParlError
from smartcity.council.open_data import DATASETS
from smartcity.council.pages import portal_pages, staff_pages
from smartcity.council.permissions import COUNCIL_CONFIDENTIAL, COUNCIL_MANAGE
from smartcity.council.proposals import upcoming_meetings
from smartcity.council.routes import oparl_error, router

HERE = Path(__file__).parent

PUBLIC_RECORD = (
    "The council's records (members, their offices, who submitted a paper) are public by the "
    "municipal code (Gemeindeordnung: public meetings, published minutes) and are archived "
    "under the archives act; they are corrected, not erased."
)

module = Module(
    name="council",
    models=("smartcity.council.models",),
    migrations=HERE / "migrations",
    permissions=(COUNCIL_MANAGE, COUNCIL_CONFIDENTIAL),
    routers=(router,),
    exception_handlers={OParlError: oparl_error},
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    navigation=(NavEntry("ratsinfo", "Council", COUNCIL_CONFIDENTIAL, order=45),),
    portal_navigation=(NavEntry("ratsinfo", "Council", order=20),),
    datasets=DATASETS,
    channel_proposals=(upcoming_meetings,),
    personal_data=(
        PersonalData(
            table="council_person",
            columns=(
                "name",
                "given_name",
                "family_name",
                "form_of_address",
                "title",
                "affix",
                "gender",
                "life",
                "life_source",
            ),
            categories=("user.name", "user.demographic.gender", "user.content.public"),
            subject="citizen_voter",
            purpose=(
                "Publish who holds an office in the council and its committees (public office "
                "holders), on the portal and through OParl"
            ),
            legal_basis="Art. 6 (1) e GDPR with the municipal code's publicity of council work",
            retention=Retention("council member: kept as a public record (archived)"),
            identifiers={"name": "name"},
            recipients=("public",),
            erasure=ERASE_KEEP,
            keep_reason=PUBLIC_RECORD,
        ),
        PersonalData(
            table="council_membership",
            columns=("role", "organization_id", "on_behalf_of_id", "start_date", "end_date"),
            categories=("user.content.public",),
            subject="citizen_voter",
            purpose="Publish a public office holder's memberships in committees and factions",
            legal_basis="Art. 6 (1) e GDPR with the municipal code's publicity of council work",
            retention=Retention("membership: kept as a public record (archived)"),
            link=Link(column="person_id", table="council_person"),
            recipients=("public",),
            erasure=ERASE_KEEP,
            keep_reason=PUBLIC_RECORD,
        ),
    ),
    not_personal=(
        NotPersonal(
            "council_location",
            ("description", "street_address"),
            "A place where the council meets (the town hall's chamber).",
        ),
        NotPersonal(
            "council_organization",
            ("name", "short_name"),
            "A committee, faction or department of the council.",
        ),
        NotPersonal("council_legislative_term", ("name",), "A legislative term (Wahlperiode)."),
        NotPersonal("council_meeting", ("name",), "The title of a council meeting."),
        NotPersonal(
            "council_agenda_item",
            ("name", "resolution_text"),
            "An agenda item's subject and the council's resolution.",
        ),
        NotPersonal("council_paper", ("name",), "The title of a council paper (Drucksache)."),
        NotPersonal(
            "council_file",
            ("name", "file_name", "text"),
            "A council document published by the municipality and its extracted text.",
        ),
    ),
)
