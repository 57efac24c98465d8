from smartcity.core.identity.permissions import Role, define_permission

OPENDATA_MANAGE = define_permission(
    "opendata.manage",
    "Release open data, register and review datasets, set up the catalogue",
    roles={Role.ADMIN, Role.DATA_STEWARD},
)
