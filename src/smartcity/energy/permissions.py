from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)
from smartcity.transit.permissions import UTILITY_STAFF

ENERGY_MANAGE = define_permission(
    "energy.manage",
    "Keep the municipal buildings and their meters, import meter readings, set reference "
    "values and read the energy report",
    roles={Role.ADMIN, UTILITY_STAFF},
)

# The city's energy manager (kommunales Energiemanagement), usually in the building office.
ENERGY_MANAGER = define_role(
    "energy_manager",
    label="Energy management",
    label_de="Energiemanagement",
    description=(
        "Looks after the energy and water used by the municipality's own buildings: meters, "
        "readings, reference values and the energy report"
    ),
    description_de=(
        "Betreut Energie- und Wasserverbrauch der städtischen Gebäude: Zähler, Zählerstände, "
        "Vergleichswerte und den Energiebericht"
    ),
    holds=(MUNICIPALITY_READ, ENERGY_MANAGE),
    demo=(DemoAccount("dresden.energie", "Energiemanagement Dresden"),),
)
