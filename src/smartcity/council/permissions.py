from smartcity.core.identity.permissions import Role, define_permission

COUNCIL_MANAGE = define_permission(
    "council.manage",
    "Keep the council's records: meetings and agendas, papers and their files, "
    "organizations, persons and memberships",
    roles={Role.ADMIN, Role.COUNCIL_OFFICE},
)
COUNCIL_CONFIDENTIAL = define_permission(
    "council.confidential",
    "Read the council's non-public agenda items, papers and files",
    roles={Role.ADMIN, Role.COUNCIL_OFFICE, Role.COUNCILLOR},
)
