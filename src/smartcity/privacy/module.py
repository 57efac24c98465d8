"""Data protection: access, erasure, restriction and rectification across modules, retention,
the record of processing activities and privacy notices, all read from the modules'
personal-data declarations (docs/data-protection.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_KEEP,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.privacy.jobs import REMINDERS, RETENTION, attach
from smartcity.privacy.pages import portal_pages, staff_pages
from smartcity.privacy.permissions import DATA_PROTECTION_OFFICER, PRIVACY_MANAGE
from smartcity.privacy.routes import router

HERE = Path(__file__).parent

PROOF = (
    "Proof that the request was answered in time and how (Art. 5 (2), Art. 12 GDPR); kept "
    "3 years after closing, the limitation period for claims (§ 195 BGB)."
)

module = Module(
    name="privacy",
    # The portal's request form knows a signed-in citizen through the citizen login.
    requires=("citizen",),
    models=("smartcity.privacy.models",),
    migrations=HERE / "migrations",
    permissions=(PRIVACY_MANAGE,),
    roles=(DATA_PROTECTION_OFFICER,),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    navigation=(NavEntry("datenschutz", "Data protection", PRIVACY_MANAGE, order=90),),
    privacy_sections=("privacy/policy_section.html",),
    jobs=(RETENTION, REMINDERS),
    runtime=attach,
    personal_data=(
        PersonalData(
            table="privacy_request",
            columns=("email", "name", "citizen_subject", "details", "correction"),
            categories=("user.contact.email", "user.name", "user.unique_id"),
            subject="citizen_voter",
            purpose="Answer a data-subject request (access, erasure, restriction, rectification)",
            legal_basis="Art. 6 (1) c GDPR with Art. 12 to 18 GDPR",
            retention=Retention(
                "data-subject request: 3 years after closing", days=3 * 365 + 1, after="closed_at"
            ),
            use="essential.legal_obligation",
            identifiers={"email": "email", "name": "name", "citizen_subject": "citizen_subject"},
            erasure=ERASE_KEEP,
            keep_reason=PROOF,
        ),
        PersonalData(
            table="privacy_request",
            columns=(
                "extension_reason",
                "identity_check",
                "identity_checked_by",
                "closed_by",
            ),
            categories=("user.unique_id.pseudonymous", "user.content.private"),
            subject="employee",
            purpose="Document who checked the requester's identity and answered",
            legal_basis="Art. 6 (1) c GDPR with Art. 5 (2), Art. 12 GDPR",
            retention=Retention(
                "data-subject request: 3 years after closing", days=3 * 365 + 1, after="closed_at"
            ),
            use="essential.legal_obligation",
            identifiers={"identity_checked_by": "actor", "closed_by": "actor"},
            erasure=ERASE_KEEP,
            keep_reason=PROOF,
        ),
        PersonalData(
            table="privacy_consent",
            columns=("email", "citizen_subject"),
            categories=("user.contact.email", "user.unique_id", "user.privacy_preferences"),
            subject="citizen_voter",
            purpose="Prove a consent and its withdrawal (e-mail notifications, newsletter)",
            legal_basis="Art. 6 (1) a, Art. 7 (1) GDPR",
            retention=Retention(
                "consent: 3 years after withdrawal", days=3 * 365 + 1, after="withdrawn_at"
            ),
            use="essential.legal_obligation",
            identifiers={"email": "email", "citizen_subject": "citizen_subject"},
            erasure=ERASE_KEEP,
            keep_reason=(
                "The controller must be able to prove a consent and its withdrawal (Art. 7 (1) "
                "GDPR); the record itself says nothing else about the person."
            ),
        ),
        PersonalData(
            table="privacy_breach",
            columns=("recorded_by",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Document who recorded a personal-data breach",
            legal_basis="Art. 6 (1) c GDPR with Art. 33 (5) GDPR",
            retention=Retention("breach record: kept for the supervisory authority"),
            use="essential.legal_obligation",
            identifiers={"recorded_by": "actor"},
            erasure=ERASE_KEEP,
            keep_reason="Art. 33 (5) GDPR requires the breach documentation.",
        ),
        PersonalData(
            table="privacy_legal_hold",
            columns=("created_by",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Document who placed a legal hold or a restriction",
            legal_basis="Art. 6 (1) c GDPR with Art. 5 (2), Art. 18 GDPR",
            retention=Retention("legal hold: while it lasts"),
            use="essential.legal_obligation",
            identifiers={"created_by": "actor"},
            erasure=ERASE_KEEP,
            keep_reason="Who restricted processing stays provable (Art. 5 (2) GDPR).",
        ),
    ),
    not_personal=(
        NotPersonal(
            "privacy_breach",
            ("summary", "measures"),
            "Describes the incident and the measures; the register names no persons.",
        ),
        NotPersonal("privacy_legal_hold", ("table_name",), "Which table a held row is in."),
    ),
)
