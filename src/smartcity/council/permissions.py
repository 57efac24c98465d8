from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)

COUNCIL_MANAGE = define_permission(
    "council.manage",
    "Keep the council's records: meetings and agendas, papers and their files, "
    "organizations, persons and memberships",
    roles={Role.ADMIN},
)
COUNCIL_CONFIDENTIAL = define_permission(
    "council.confidential",
    "Read the council's non-public agenda items, papers and files",
    roles={Role.ADMIN},
)

# Sitzungsdienst / Ratsbüro: the council's meetings, agendas, papers, members.
COUNCIL_OFFICE = define_role(
    "council_office",
    label="Council office",
    label_de="Sitzungsdienst/Ratsbüro",
    description="Keeps the council's meetings, agendas, papers and members",
    description_de="Pflegt Sitzungen, Tagesordnungen, Vorlagen und Mitglieder des Rats",
    holds=(MUNICIPALITY_READ, COUNCIL_MANAGE, COUNCIL_CONFIDENTIAL),
    demo=(DemoAccount("radebeul.ratsbuero", "Ratsbüro Radebeul", "radebeul"),),
)
# Stadtrat / Stadträtin: reads the council's non-public agenda items and papers.
COUNCILLOR = define_role(
    "councillor",
    label="Councillor",
    label_de="Stadtrat/Stadträtin",
    description="A member of the council: reads its non-public agenda items and papers",
    description_de="Mitglied des Rats: liest die nichtöffentlichen Tagesordnungspunkte "
    "und Vorlagen",
    holds=(MUNICIPALITY_READ, COUNCIL_CONFIDENTIAL),
    demo=(DemoAccount("radebeul.stadtrat", "Stadträtin Anna Albrecht", "radebeul"),),
)
