from smartcity.core.identity.permissions import Role, define_permission

CATALOG_DEFINE = define_permission(
    "catalog.define",
    "Define the region's services and their forms (Einer für alle)",
    roles={Role.REGION_ADMIN},
)
CATALOG_ADOPT = define_permission(
    "catalog.adopt",
    "Offer a region's service in the municipality, with local settings",
    roles={Role.ADMIN},
)
