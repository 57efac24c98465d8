from smartcity.core.identity.permissions import Role, define_permission
from smartcity.council.permissions import COUNCIL_OFFICE, COUNCILLOR

# The council office (Sitzungsdienst) runs the session for the chair: opens and closes it,
# calls the agenda items, keeps the speakers' list, records attendance and bias for a member,
# opens and closes ballots, and links a member to the account they sign in with. It does not
# vote: only councillors do, each for the member their account is linked to.
COUNCIL_SESSION_RUN = define_permission(
    "council.session.run",
    "Run a council meeting's digital session: agenda item in progress, attendance, speakers' "
    "list, ballots; link council members to their accounts",
    roles={Role.ADMIN, COUNCIL_OFFICE},
)
COUNCIL_SESSION_TAKE_PART = define_permission(
    "council.session.take_part",
    "Take part in a digital session as a council member: check in and out, ask to speak, vote",
    roles={COUNCILLOR},
)
