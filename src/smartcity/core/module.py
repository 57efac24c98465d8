"""The platform's own module: municipalities, accounts, audit log, signing keys, mail."""

from __future__ import annotations

from smartcity.core.audit.anchors import CHECKPOINTS
from smartcity.core.audit.routes import router as audit_router
from smartcity.core.http import docs, health
from smartcity.core.identity.account_routes import account_router
from smartcity.core.identity.housekeeping import LOGIN_HOUSEKEEPING, LOGIN_RETENTION
from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    DATA_EXPORT,
    MUNICIPALITY_READ,
    STAFF_MANAGE,
    STAFF_READ,
    Role,
)
from smartcity.core.identity.routes import auth_router, staff_router
from smartcity.core.mail.services import MAIL, MAIL_RETENTION
from smartcity.core.modules import (
    ERASE_DELETE,
    ERASE_KEEP,
    Link,
    Module,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.core.signing.routes import router as signing_router
from smartcity.core.statistics import STATISTICS
from smartcity.core.tenancy.routes import router as tenancy_router

module = Module(
    name="core",
    models=(
        "smartcity.core.audit.models",
        "smartcity.core.identity.models",
        "smartcity.core.mail.models",
        "smartcity.core.signing.models",
        "smartcity.core.tenancy.models",
        "smartcity.core.uploads.models",
    ),
    permissions=(
        MUNICIPALITY_READ,
        STAFF_READ,
        STAFF_MANAGE,
        APIKEYS_MANAGE,
        AUDIT_READ,
        DATA_EXPORT,
    ),
    roles=(
        Role.ADMIN,
        Role.CASE_WORKER,
        Role.OPERATOR,
        Role.DATA_STEWARD,
        Role.AUDITOR,
        Role.COMMUNICATIONS,
        Role.REGION_ADMIN,
    ),
    # Health and the API documentation first, at the top of every instance.
    routers=(
        health.router,
        docs.router,
        tenancy_router,
        auth_router,
        account_router,
        staff_router,
        audit_router,
        signing_router,
    ),
    jobs=(LOGIN_HOUSEKEEPING, MAIL, CHECKPOINTS, STATISTICS),
    retention_jobs=(LOGIN_RETENTION, MAIL_RETENTION),
    personal_data=(
        PersonalData(
            table="user_account",
            columns=("username", "display_name", "email", "oidc_subject"),
            categories=("user.account.username", "user.name", "user.contact.email"),
            subject="employee",
            purpose="Staff accounts: log in to the back office and act in the roles given",
            legal_basis="Art. 6 (1) c, e GDPR; Art. 88 GDPR with § 26 BDSG (employment)",
            retention=Retention("staff account: while employed, deactivated by the administration"),
            use="essential.service.authentication",
            identifiers={"email": "email", "username": "username", "id": "user_id"},
            erasure=ERASE_KEEP,
            keep_reason=(
                "Staff accounts belong to the employment relationship (§ 26 BDSG); the "
                "administration deactivates them when it ends, and the audit log must still "
                "name who acted (Art. 5 (2) GDPR)."
            ),
        ),
        PersonalData(
            table="web_session",
            columns=("device", "user_id"),
            categories=("user.device", "user.unique_id.pseudonymous"),
            subject="employee",
            purpose="Keep a staff member logged in; list their own sessions",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention(
                "login session: idle and absolute timeout", handled_by="identity.housekeeping"
            ),
            use="essential.service.authentication",
            link=Link("user_id", "user_account"),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="webauthn_credential",
            columns=("name", "credential_id"),
            categories=("user.authorization.credentials",),
            subject="employee",
            purpose="Second factor of a staff login (passkey)",
            legal_basis="Art. 6 (1) e GDPR; Art. 32 GDPR (security of processing)",
            retention=Retention("credential: until removed by its owner or the account"),
            use="essential.service.security",
            link=Link("user_id", "user_account"),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="api_key",
            columns=("created_by",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Accountability: who issued a device's or integration's key",
            legal_basis="Art. 6 (1) c GDPR with Art. 5 (2), Art. 32 GDPR",
            retention=Retention("key record: while the key exists"),
            use="essential.service.security",
            identifiers={"created_by": "actor"},
            erasure=ERASE_KEEP,
            keep_reason="Who issued a key stays provable (Art. 5 (2), Art. 32 GDPR); only an id.",
        ),
        PersonalData(
            table="audit_entry",
            columns=("actor",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Audit log: who did what to which record, tamper-evident",
            legal_basis="Art. 6 (1) c GDPR with Art. 5 (2), Art. 32 GDPR; § 76 BDSG (logging)",
            retention=Retention("audit log: kept, hash-chained and append-only"),
            use="essential.service.security",
            identifiers={"actor": "actor"},
            erasure=ERASE_KEEP,
            keep_reason=(
                "The audit log proves the lawfulness of processing (Art. 5 (2) GDPR) and is "
                "hash-chained: it names actors by id only and never holds personal content."
            ),
        ),
        PersonalData(
            table="citizen_session",
            columns=("subject", "name", "email", "birthdate", "residence_ags", "postal_code"),
            categories=(
                "user.unique_id",
                "user.name",
                "user.contact.email",
                "user.demographic.date_of_birth",
                "user.contact.address.city",
                "user.contact.address.postal_code",
            ),
            subject="citizen_voter",
            purpose="Citizen login through the citizen account (BundID/Servicekonto); the date "
            "of birth and the residence's municipality key and postal code, when sent, for the "
            "eligibility rules of participatory budgets",
            legal_basis="Art. 6 (1) e GDPR; § 8 OZG (user accounts)",
            retention=Retention(
                "citizen login: 1 day after last use", days=1, after="last_seen_at"
            ),
            use="essential.service.authentication",
            identifiers={"subject": "citizen_subject", "email": "email", "name": "name"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="outgoing_mail",
            columns=("to_address", "subject", "body"),
            categories=("user.contact.email", "user.content.private"),
            subject="citizen_voter",
            purpose="Mails to citizens and staff (receipts, status changes, links)",
            legal_basis="Art. 6 (1) e GDPR with the law of the service the mail is about",
            retention=Retention("sent mail: 7 days after sending", handled_by="core.mail"),
            use="essential.service.notifications.email",
            recipients=("the municipality's mail server",),
            identifiers={"to_address": "email"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="outgoing_mail_attachment",
            columns=("file_name", "data"),
            categories=("user.content.private",),
            subject="citizen_voter",
            purpose="Files sent with a mail (an invitation's calendar entry)",
            legal_basis="Art. 6 (1) e GDPR with the law of the service the mail is about",
            retention=Retention("with its mail: 7 days after sending", handled_by="core.mail"),
            use="essential.service.notifications.email",
            recipients=("the municipality's mail server",),
            link=Link("mail_id", "outgoing_mail"),
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="login_failure",
            columns=("username_key", "client_key"),
            categories=("user.device.ip_address", "user.unique_id.pseudonymous"),
            subject="employee",
            purpose="Throttle password guessing",
            legal_basis="Art. 6 (1) e GDPR with Art. 32 GDPR",
            retention=Retention("login throttling: 24 h", handled_by="identity.housekeeping"),
            use="essential.service.security",
            erasure=ERASE_DELETE,
            unidentifiable=(
                "Keyed hashes of a user name and an address; nobody can tell whose without "
                "the server secret (Art. 11 GDPR). Deleted within the throttling window."
            ),
        ),
        PersonalData(
            table="submission_hit",
            columns=("client_key",),
            categories=("user.device.ip_address",),
            subject="anonymous_user",
            purpose="Rate limit anonymous submissions (abuse protection)",
            legal_basis="Art. 6 (1) e GDPR with Art. 32 GDPR",
            retention=Retention("submission throttling: 1 h", handled_by="identity.housekeeping"),
            use="essential.service.security",
            erasure=ERASE_DELETE,
            unidentifiable=(
                "A keyed hash of the client address only (Art. 11 GDPR); deleted after the "
                "rate-limit window."
            ),
        ),
    ),
    not_personal=(
        NotPersonal("region", ("name",), "The name of a region of municipalities."),
        NotPersonal(
            "outgoing_mail_attachment", ("mail_id",), "The id of the mail a file is sent with."
        ),
        NotPersonal("municipality", ("name", "display_name"), "A municipality's name."),
        NotPersonal(
            "municipality_profile",
            ("contact_email", "contact_phone", "contact_address"),
            "The municipality's own contact for its Impressum (an office, not a person).",
        ),
        NotPersonal(
            "municipality_profile",
            ("imprint", "privacy", "accessibility"),
            "The municipality's published texts (Impressum, privacy policy, accessibility).",
        ),
        NotPersonal("api_key", ("name",), "The name of a device or an integration."),
        NotPersonal("signing_key", ("private_key_sealed",), "A municipality's sealed key."),
        NotPersonal(
            "stored_file",
            ("owner_kind", "owner_id"),
            "Which record a file belongs to; the record's declaration covers the person.",
        ),
    ),
)
