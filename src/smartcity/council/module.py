"""The council information system with OParl 1.1 as its public interface (docs/council.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_DELETE,
    ERASE_KEEP,
    Link,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.council import demo
from smartcity.council.budget_pages import budget_portal, budget_staff
from smartcity.council.following_pages import follow_portal
from smartcity.council.office_pages import office_portal, office_staff, office_static
from smartcity.council.oparl import OParlError
from smartcity.council.open_data import DATASETS
from smartcity.council.pages import portal_pages, staff_pages
from smartcity.council.permissions import (
    COUNCIL_CONFIDENTIAL,
    COUNCIL_MANAGE,
    COUNCIL_OFFICE,
    COUNCILLOR,
)
from smartcity.council.proposals import upcoming_meetings
from smartcity.council.routes import oparl_error, router
from smartcity.council.session import demo as session_demo
from smartcity.council.session.declarations import SESSION_PERSONAL_DATA
from smartcity.council.session.pages import session_portal, session_staff, session_static
from smartcity.council.session.permissions import (
    COUNCIL_SESSION_RUN,
    COUNCIL_SESSION_TAKE_PART,
)

HERE = Path(__file__).parent

PUBLIC_RECORD = (
    "The council's records (members, their offices, who submitted a paper) are public by the "
    "municipal code (Gemeindeordnung: public meetings, published minutes) and are archived "
    "under the archives act; they are corrected, not erased."
)

module = Module(
    name="council",
    models=(
        "smartcity.council.models",
        "smartcity.council.models_office",
        "smartcity.council.models_budget",
        "smartcity.council.models_following",
        "smartcity.council.session.models",
    ),
    migrations=HERE / "migrations",
    permissions=(
        COUNCIL_MANAGE,
        COUNCIL_CONFIDENTIAL,
        COUNCIL_SESSION_RUN,
        COUNCIL_SESSION_TAKE_PART,
    ),
    roles=(COUNCIL_OFFICE, COUNCILLOR),
    # Consent to be streamed is a consent record of the privacy module (media.py); following
    # a paper or committee needs the citizen login (following_pages.py).
    requires=("privacy", "citizen"),
    routers=(router,),
    exception_handlers={OParlError: oparl_error},
    pages=(
        # Before staff_pages, whose editor paths (`/{segment}/{row_id}`) would take them.
        budget_portal,
        budget_staff,
        portal_pages,
        staff_pages,
        office_portal,
        office_staff,
        office_static,
        session_portal,
        session_staff,
        session_static,
        follow_portal,
    ),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed, session_demo.seed),
    navigation=(NavEntry("ratsinfo", "Council", COUNCIL_CONFIDENTIAL, order=45),),
    portal_navigation=(NavEntry("ratsinfo", "Council", order=20),),
    datasets=DATASETS,
    channel_proposals=(upcoming_meetings,),
    personal_data=(
        *SESSION_PERSONAL_DATA,
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
        PersonalData(
            table="council_person_contact",
            columns=("email",),
            categories=("user.contact.email",),
            subject="citizen_voter",
            purpose="Send a council member the invitations to their meetings (not published)",
            legal_basis="Art. 6 (1) e GDPR with the municipal code's rules on summoning meetings",
            retention=Retention("contact address: while a member, removed by the council office"),
            link=Link(column="person_id", table="council_person"),
            identifiers={"email": "email"},
            recipients=("the municipality's mail server",),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="council_invitation",
            columns=("person_id", "sent_at", "sent_by"),
            categories=("user.content.private",),
            subject="citizen_voter",
            purpose="Prove that a member was summoned to a meeting in time",
            legal_basis="Art. 6 (1) e GDPR with the municipal code's rules on summoning meetings",
            retention=Retention("invitation: kept with the meeting's records (archived)"),
            link=Link(column="person_id", table="council_person"),
            erasure=ERASE_KEEP,
            keep_reason=(
                "A resolution is valid only if the members were summoned properly; the record "
                "of the invitations belongs to the meeting's files under the archives act."
            ),
        ),
        PersonalData(
            table="council_follow",
            columns=("citizen_subject", "email"),
            categories=("user.unique_id.pseudonymous", "user.contact.email"),
            subject="citizen_voter",
            purpose="Send the citizen who asked for it e-mails about a paper or committee they "
            "follow",
            legal_basis="Art. 6 (1) a GDPR (consent: following is opt-in and ends with one click)",
            retention=Retention("follower: until they stop, or the paper or committee is deleted"),
            identifiers={"citizen_subject": "citizen_subject", "email": "email"},
            recipients=("the municipality's mail server",),
            erasure=ERASE_DELETE,
        ),
    ),
    not_personal=(
        NotPersonal(
            "council_ballot",
            ("subject",),
            "The motion a council body voted on (a public record of its decision).",
        ),
        NotPersonal(
            "council_meeting_media",
            ("stream_url", "recording_url"),
            "Where a meeting's public stream and recording are served.",
        ),
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
        NotPersonal("council_budget_line", ("name",), "A product of the budget plan."),
        NotPersonal(
            "council_budget_amendment",
            ("reason",),
            "A faction's reason for its amendment to the budget (a public council paper).",
        ),
        NotPersonal(
            "council_file",
            ("name", "file_name", "text"),
            "A council document published by the municipality and its extracted text.",
        ),
    ),
)
