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
    # Other Stadtwerke modules grant their permissions to this role too (charging points).
    description=(
        "Keeps the Stadtwerke's services current: timetables (GTFS), realtime sources and "
        "whatever other Stadtwerke modules grant to it, such as the charging points"
    ),
    description_de=(
        "Hält die Dienste der Stadtwerke aktuell: Fahrpläne (GTFS), Echtzeitquellen und, was "
        "andere Module der Stadtwerke ihr geben, etwa die Ladepunkte"
    ),
    holds=(MUNICIPALITY_READ, TRANSIT_MANAGE),
    demo=(DemoAccount("dresden.stadtwerke", "Stadtwerke Dresden"),),
)
