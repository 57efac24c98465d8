from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)

TRANSIT_MANAGE = define_permission(
    "transit.manage",
    "Import timetables (GTFS), see the validator's report and set the realtime sources",
    roles={Role.ADMIN},
    scopes={"transit:write"},
)

# Stadtwerke: the city's utilities (public transport timetables and realtime feeds).
UTILITY_STAFF = define_role(
    "utility_staff",
    label="Public utilities (Stadtwerke)",
    label_de="Stadtwerke",
    description="Keeps public transport current: timetables (GTFS) and realtime sources",
    description_de="Hält den Nahverkehr aktuell: Fahrpläne (GTFS) und Echtzeitquellen",
    holds=(MUNICIPALITY_READ, TRANSIT_MANAGE),
    demo=(DemoAccount("dresden.stadtwerke", "Stadtwerke Dresden"),),
)
