from smartcity.core.identity.permissions import Role, define_permission

COCKPIT_VIEW = define_permission(
    "cockpit.view",
    "See the city cockpit: the live map, Datastream charts and the lighting energy report",
    # Those who may read restricted SensorThings data, as the cockpit charts any Datastream.
    roles={Role.ADMIN, Role.OPERATOR, Role.DATA_STEWARD},
)

SITE_MANAGE = define_permission(
    "site.manage",
    "Set the portal's name, colour, logo, contact and legal texts",
    roles={Role.ADMIN},
)
