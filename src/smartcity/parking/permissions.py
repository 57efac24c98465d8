from smartcity.core.identity.permissions import Role, define_permission

PARKING_MANAGE = define_permission(
    "parking.manage",
    "Maintain the car-park registry",
    roles={Role.ADMIN, Role.OPERATOR, Role.DATA_STEWARD},
    scopes={"parking:write"},
)
