from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    define_permission,
    define_role,
)

# Only the data-protection officer: requests, exports and the records name persons, and
# an administrator's or clerk's role gives no reason to see them.
PRIVACY_MANAGE = define_permission(
    "privacy.manage",
    "Handle data-subject requests, legal holds, retention, consents and breaches; "
    "read the record of processing activities",
    roles=set(),
)

# Datenschutzbeauftragte(r): data-subject requests, the register of processing, breaches.
DATA_PROTECTION_OFFICER = define_role(
    "dpo",
    label="Data protection officer",
    label_de="Datenschutzbeauftragte(r)",
    description="Handles data-subject requests, retention, legal holds and breaches",
    description_de="Bearbeitet Auskunfts- und Löschersuchen, Aufbewahrung, Sperren und Datenpannen",
    holds=(MUNICIPALITY_READ, PRIVACY_MANAGE),
    demo=(DemoAccount("dresden.datenschutz", "Datenschutz Dresden"),),
)
