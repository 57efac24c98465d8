from smartcity.core.identity.permissions import Role, define_permission

LIGHTING_OPERATE = define_permission(
    "lighting.operate",
    "Set up lighting groups, their programs and luminaires",
    roles={Role.ADMIN, Role.OPERATOR},
    scopes={"lighting:write"},
)
