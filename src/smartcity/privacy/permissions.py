from smartcity.core.identity.permissions import Role, define_permission

# Only the data-protection officer: requests, exports and the records name persons, and
# an administrator's or clerk's role gives no reason to see them.
PRIVACY_MANAGE = define_permission(
    "privacy.manage",
    "Handle data-subject requests, legal holds, retention, consents and breaches; "
    "read the record of processing activities",
    roles={Role.DATA_PROTECTION_OFFICER},
)
