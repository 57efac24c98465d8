from smartcity.core.identity.permissions import Role, define_permission

LIGHTING_OPERATE = define_permission(
    "lighting.operate",
    "Set up lighting groups, their programs and luminaires",
    roles={Role.ADMIN, Role.OPERATOR},
    scopes={"lighting:write"},
)
LIGHTING_READ = define_permission(
    "lighting.read",
    "See the lamps with their state and open faults (cockpit map, back-office overview)",
    roles={Role.ADMIN, Role.OPERATOR, Role.DATA_STEWARD},
)
