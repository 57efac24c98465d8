from smartcity.core.identity.permissions import Role, define_permission
from smartcity.transit.permissions import UTILITY_STAFF

# The Stadtwerke's role is declared by the transit module (the utilities' first module).
WIFI_MANAGE = define_permission(
    "wifi.manage",
    "Import the public WiFi's node list, set its address and the time after which an offline "
    "hotspot opens a case",
    roles={Role.ADMIN, UTILITY_STAFF},
    # The network's map server or controller pushes its list with a key of this scope alone;
    # a device key (sta:write) may not replace the whole network.
    scopes={"wifi:write"},
)
