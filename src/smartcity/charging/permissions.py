from smartcity.core.identity.permissions import Role, define_permission
from smartcity.transit.permissions import UTILITY_STAFF

# The Stadtwerke's role is declared by the transit module (the utilities' first module).
CHARGING_MANAGE = define_permission(
    "charging.manage",
    "Maintain charging points, their operators and ad-hoc tariffs, and the roaming partners' "
    "OCPI tokens",
    roles={Role.ADMIN, UTILITY_STAFF},
)
