from smartcity.core.identity.permissions import Role, define_permission

CASES_READ = define_permission(
    "cases.read",
    "See the cases of one's departments (administrators: all)",
    roles={Role.CASE_WORKER, Role.ADMIN, Role.AUDITOR},
)
CASES_WORK = define_permission(
    "cases.work",
    "Work on the cases of one's departments: assign, notes, messages, decisions",
    roles={Role.CASE_WORKER, Role.ADMIN},
)
