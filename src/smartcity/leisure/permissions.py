from smartcity.core.identity.permissions import Role, define_permission

LEISURE_MANAGE = define_permission(
    "leisure.manage",
    "Set up leisure facilities: zones, slot rules and exceptions, slots and products",
    roles={Role.ADMIN, Role.FACILITY_MANAGER},
)
TICKETS_SCAN = define_permission(
    "tickets.scan",
    "Check tickets in and out at a facility's gate",
    roles={Role.ADMIN, Role.FACILITY_MANAGER, Role.GATE_STAFF},
    scopes={"tickets:scan"},
)
TICKETS_CASH = define_permission(
    "tickets.cash",
    "Take payment for booked tickets at the cash desk",
    roles={Role.ADMIN, Role.FACILITY_MANAGER, Role.GATE_STAFF},
)
