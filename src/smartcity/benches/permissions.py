from smartcity.core.identity.permissions import Role, define_permission

BENCHES_MANAGE = define_permission(
    "benches.manage",
    "Register smart benches and set the air-quality alert recipient",
    roles={Role.ADMIN, Role.OPERATOR, Role.DATA_STEWARD},
    scopes={"benches:write"},
)
