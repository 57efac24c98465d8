from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)

LEISURE_MANAGE = define_permission(
    "leisure.manage",
    "Set up leisure facilities: zones, slot rules and exceptions, slots and products",
    roles={Role.ADMIN},
)
TICKETS_SCAN = define_permission(
    "tickets.scan",
    "Check tickets in and out at a facility's gate",
    roles={Role.ADMIN},
    scopes={"tickets:scan"},
)
# Partners (the city app, the tourist information) book for citizens through the API.
TICKETS_BOOK = define_permission(
    "tickets.book",
    "Book leisure tickets for citizens through the API (partners such as the city app)",
    roles={Role.ADMIN},
    scopes={"tickets:book"},
)
TICKETS_CASH = define_permission(
    "tickets.cash",
    "Take payment for booked tickets at the cash desk",
    roles={Role.ADMIN},
)

# Bäderbetrieb / Museum: sets up leisure facilities, their slots and products.
FACILITY_MANAGER = define_role(
    "facility_manager",
    label="Facility management",
    label_de="Bäder- und Museumsbetrieb",
    description="Sets up pools, saunas and museums: zones, slots, tickets; works the gate",
    description_de="Richtet Bäder, Saunen und Museen ein: Bereiche, Zeitfenster, Tickets; "
    "arbeitet am Einlass",
    holds=(MUNICIPALITY_READ, LEISURE_MANAGE, TICKETS_SCAN, TICKETS_CASH),
    demo=(DemoAccount("dresden.baeder", "Bäderbetrieb"),),
)
# Einlass: scans tickets at a facility's gate and takes payment at the cash desk.
GATE_STAFF = define_role(
    "gate_staff",
    label="Gate staff",
    label_de="Einlass",
    description="Checks tickets in and out at the gate and takes payment at the cash desk",
    description_de="Prüft Tickets am Einlass und kassiert an der Kasse",
    holds=(MUNICIPALITY_READ, TICKETS_SCAN, TICKETS_CASH),
    demo=(DemoAccount("dresden.einlass", "Einlass Hallenbad"),),
)
