from smartcity.core.identity.permissions import Role, define_permission

WATERMETER_MANAGE = define_permission(
    "watermeter.manage",
    "Import the meter registry and review flagged readings",
    roles={Role.ADMIN, Role.OPERATOR},
)
WATERMETER_EXPORT = define_permission(
    "watermeter.export",
    "Export readings for billing and list meters without a reading",
    roles={Role.ADMIN, Role.OPERATOR, Role.DATA_STEWARD},
    scopes={"watermeter:export"},
)
