from smartcity.core.identity.permissions import Role, define_permission

PARTICIPATION_MANAGE = define_permission(
    "participation.manage",
    "Set up participation processes: phases, budget and voting rule, reviews of proposals, "
    "official answers",
    roles={Role.ADMIN, Role.COMMUNICATIONS},
)
PARTICIPATION_MODERATE = define_permission(
    "participation.moderate",
    "Moderate citizen participation: see flagged content, hide and restore it with a reason",
    roles={Role.ADMIN, Role.MODERATOR},
)
