"""Citizen participation: processes with phases, proposals on a map, threaded comments,
moderation and participatory budgets with checkable votes (docs/participation.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_ANONYMISE,
    ERASE_DELETE,
    Link,
    MapLayer,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Recount,
    Retention,
)
from smartcity.participation import demo
from smartcity.participation.api import router
from smartcity.participation.area_pages import area_portal_pages, area_staff_pages
from smartcity.participation.attachments import PROPOSAL_FILES
from smartcity.participation.blocking_pages import blocking_pages
from smartcity.participation.exports import DATASETS, proposal_features
from smartcity.participation.file_pages import file_pages, staff_file_pages
from smartcity.participation.pages import (
    CitizenLoginRequired,
    citizen_login_redirect,
    moderation_pages,
    portal_pages,
    staff_pages,
)
from smartcity.participation.paper_pages import paper_pages
from smartcity.participation.permissions import (
    MODERATOR,
    PARTICIPATION_MANAGE,
    PARTICIPATION_MODERATE,
    PARTICIPATION_PAPER_BALLOTS,
    POLLING_STATION,
)

HERE = Path(__file__).parent
LEGAL_BASIS = "Art. 6 (1) e GDPR with the municipality's duty to involve its residents"

module = Module(
    name="participation",
    # The citizen login (who proposes, supports, comments and votes).
    requires=("citizen",),
    models=("smartcity.participation.models",),
    migrations=HERE / "migrations",
    permissions=(PARTICIPATION_MANAGE, PARTICIPATION_MODERATE, PARTICIPATION_PAPER_BALLOTS),
    roles=(MODERATOR, POLLING_STATION),
    routers=(router,),
    # The moderation's routers before `staff_pages`, whose "/{slug}" would take "moderation".
    pages=(
        portal_pages,
        file_pages,
        blocking_pages,
        moderation_pages,
        staff_pages,
        staff_file_pages,
        paper_pages,
        area_staff_pages,
        area_portal_pages,
    ),
    exception_handlers={CitizenLoginRequired: citizen_login_redirect},
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    navigation=(
        NavEntry("beteiligung", "Participation", PARTICIPATION_MANAGE, order=45),
        NavEntry("beteiligung/moderation", "Moderation", PARTICIPATION_MODERATE, order=46),
    ),
    portal_navigation=(NavEntry("beteiligung", "Participation", order=20),),
    map_layers=(MapLayer("beteiligung", "Proposals", proposal_features),),
    datasets=DATASETS,
    personal_data=(
        PersonalData(
            table="participation_proposal",
            columns=("author_subject", "public_name", "body_html", "lat", "lon"),
            categories=("user.unique_id.pseudonymous", "user.content.public", "user.name"),
            subject="citizen_voter",
            purpose="Publish a citizen's proposal in a participation process under the name "
            "they chose (a pseudonym is allowed); let only its author be recognised as such",
            legal_basis=LEGAL_BASIS,
            retention=Retention("proposal: as long as the participation process is published"),
            identifiers={"author_subject": "citizen_subject"},
            erasure=ERASE_ANONYMISE,
            rectifiable={"public_name": "public_name"},
        ),
        PersonalData(
            table="participation_comment",
            columns=("author_subject", "author_user_id", "public_name", "body"),
            categories=("user.unique_id.pseudonymous", "user.content.public", "user.name"),
            subject="citizen_voter",
            purpose="Publish comments on proposals and the administration's official answers",
            legal_basis=LEGAL_BASIS,
            retention=Retention("comment: as long as the participation process is published"),
            identifiers={"author_subject": "citizen_subject", "author_user_id": "user_id"},
            erasure=ERASE_ANONYMISE,
            rectifiable={"public_name": "public_name"},
        ),
        PersonalData(
            table="participation_support",
            columns=("citizen_subject",),
            categories=("user.unique_id.pseudonymous",),
            subject="citizen_voter",
            purpose="Count one support per citizen and proposal",
            legal_basis=LEGAL_BASIS,
            retention=Retention("support: as long as the participation process is published"),
            identifiers={"citizen_subject": "citizen_subject"},
            erasure=ERASE_DELETE,
            # The proposal's count of supports follows an erased support.
            recount=(Recount("participation_proposal", "supports", via="proposal_id"),),
        ),
        PersonalData(
            table="participation_follow",
            columns=("citizen_subject", "email"),
            categories=("user.unique_id.pseudonymous", "user.contact.email"),
            subject="citizen_voter",
            purpose="Send the citizen who asked for it e-mails about a proposal they follow",
            legal_basis="Art. 6 (1) a GDPR (consent: following is opt-in and ends with one click)",
            retention=Retention("follower of a proposal: until they stop or the proposal goes"),
            identifiers={"citizen_subject": "citizen_subject", "email": "email"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="participation_comment_support",
            columns=("citizen_subject",),
            categories=("user.unique_id.pseudonymous",),
            subject="citizen_voter",
            purpose="Count one support per citizen and comment (sorting by most supported)",
            legal_basis=LEGAL_BASIS,
            retention=Retention("support: as long as the participation process is published"),
            identifiers={"citizen_subject": "citizen_subject"},
            erasure=ERASE_DELETE,
            recount=(Recount("participation_comment", "supports", via="comment_id"),),
        ),
        PersonalData(
            table="participation_flag",
            columns=("reporter_subject", "reason"),
            categories=("user.unique_id.pseudonymous", "user.content.private"),
            subject="citizen_voter",
            purpose="Moderate contributions citizens reported",
            legal_basis=LEGAL_BASIS,
            retention=Retention("report to the moderation: 1 year", days=365, after="created_at"),
            identifiers={"reporter_subject": "citizen_subject"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="participation_ballot",
            columns=("voter_key", "receipt", "choices"),
            categories=("user.unique_id.pseudonymous", "user.content.private"),
            subject="citizen_voter",
            purpose="Count one ballot per voter in a participatory budget and publish every "
            "ballot by its receipt code, so that voters can check theirs was counted",
            legal_basis=LEGAL_BASIS,
            retention=Retention("ballot: as long as the result of the vote is published"),
            unidentifiable=(
                "A ballot is stored under a keyed hash of the voter (secret of the vote), "
                "never under the citizen's identity: the ballot list cannot be searched for a "
                "person (Art. 11 GDPR); the voter finds their ballot by its receipt code."
            ),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="stored_file",
            columns=("original_name", "storage_name"),
            categories=("user.content.public",),
            subject="citizen_voter",
            purpose="Images and files a citizen attached to their proposal, published with it",
            legal_basis=LEGAL_BASIS,
            retention=Retention("proposal attachment: with its proposal"),
            link=Link("owner_id", "participation_proposal", where={"owner_kind": PROPOSAL_FILES}),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="participation_attachment",
            columns=("file_id", "description"),
            categories=("user.content.public",),
            subject="citizen_voter",
            purpose="Describe a citizen's image or file of a proposal (alternative text)",
            legal_basis=LEGAL_BASIS,
            retention=Retention("proposal attachment: with its proposal"),
            link=Link("proposal_id", "participation_proposal"),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="participation_block",
            columns=("citizen_subject", "public_name", "reason", "blocked_by"),
            categories=("user.unique_id.pseudonymous", "user.name", "user.content.private"),
            subject="citizen_voter",
            purpose="Keep an account the moderation blocked from posting, supporting and "
            "commenting in the municipality's participation",
            legal_basis=LEGAL_BASIS,
            retention=Retention("block: until a moderator lifts it"),
            identifiers={"citizen_subject": "citizen_subject"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="participation_paper_ballot",
            columns=("entered_by", "decided_by", "reason"),
            categories=("user.unique_id", "user.content.private"),
            subject="employee",
            purpose="Four-eyes entry of paper ballots: who entered and who confirmed or "
            "rejected each one, and why",
            legal_basis=LEGAL_BASIS,
            retention=Retention(
                "paper ballot entry: as long as the result of the vote is published"
            ),
            identifiers={"entered_by": "user_id", "decided_by": "user_id"},
            erasure=ERASE_ANONYMISE,
        ),
    ),
    not_personal=(
        NotPersonal(
            "participation_paper_ballot",
            ("voter_key", "choices"),
            "A paper ballot's choices and, in a vote with codes, the keyed hash of the code "
            "handed in with it: nothing that names the voter (as for online ballots).",
        ),
        NotPersonal(
            "participation_comment_support",
            ("comment_id",),
            "The id of the supported comment (the supporter is declared above).",
        ),
        NotPersonal(
            "participation_process",
            ("description",),
            "The municipality's description of a participation process.",
        ),
        NotPersonal(
            "participation_district",
            ("name",),
            "The name of a district with its own budget in a participation process.",
        ),
        NotPersonal(
            "participation_proposal",
            ("review_reason",),
            "The administration's review of a proposal (feasibility and its reason).",
        ),
    ),
)
