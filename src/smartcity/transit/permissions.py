from smartcity.core.identity.permissions import Role, define_permission

TRANSIT_MANAGE = define_permission(
    "transit.manage",
    "Import timetables (GTFS), see the validator's report and set the realtime sources",
    roles={Role.ADMIN, Role.UTILITY_STAFF},
    scopes={"transit:write"},
)
