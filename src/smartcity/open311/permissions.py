from smartcity.core.identity.permissions import Role, define_permission

OPEN311_SUBMIT = define_permission(
    "open311.submit",
    "File defect reports through Open311 (apps and integrations)",
    roles={Role.ADMIN},
    scopes={"open311:write"},
)
OPEN311_MANAGE = define_permission(
    "open311.manage",
    "Set up the report categories (Open311 services) and their departments",
    roles={Role.ADMIN},
    scopes=set(),
)
