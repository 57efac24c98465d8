from smartcity.core.identity.permissions import Role, define_permission

STA_WRITE = define_permission(
    "sta.write",
    "Create, change and delete SensorThings entities and observations",
    roles={Role.ADMIN, Role.DATA_STEWARD, Role.OPERATOR},
    scopes={"sta:write"},
)

STA_READ_RESTRICTED = define_permission(
    "sta.read_restricted",
    "Read SensorThings data marked restricted",
    roles={Role.ADMIN, Role.DATA_STEWARD, Role.OPERATOR, Role.AUDITOR},
    scopes={"sta:read", "sta:write"},
)
