from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)

PARTICIPATION_MANAGE = define_permission(
    "participation.manage",
    "Set up participation processes: phases, budget and voting rule, reviews of proposals, "
    "official answers",
    roles={Role.ADMIN, Role.COMMUNICATIONS},
)
PARTICIPATION_MODERATE = define_permission(
    "participation.moderate",
    "Moderate citizen participation: see flagged content, hide and restore it with a reason",
    roles={Role.ADMIN},
)

# Moderation of citizen participation: hides and restores proposals and comments.
MODERATOR = define_role(
    "moderator",
    label="Moderation of participation",
    label_de="Moderation der Beteiligung",
    description="Looks at flagged proposals and comments, hides and restores them with a reason",
    description_de="Prüft gemeldete Vorschläge und Kommentare, blendet sie mit Begründung aus "
    "und wieder ein",
    holds=(MUNICIPALITY_READ, PARTICIPATION_MODERATE),
    demo=(DemoAccount("dresden.moderation", "Moderation Bürgerbeteiligung"),),
)

PARTICIPATION_PAPER_BALLOTS = define_permission(
    "participation.paper_ballots",
    "Enter and confirm paper ballots of a polling station (a second person confirms each)",
    roles={Role.ADMIN},
)

# Staff of a polling station: enter paper ballots and confirm those a colleague entered.
POLLING_STATION = define_role(
    "polling_station",
    label="Polling station of a participatory budget",
    label_de="Wahllokal des Bürgerhaushalts",
    description="Enters paper ballots; a second person of the role confirms each before it counts",
    description_de="Erfasst Stimmzettel aus Papier; jeder zählt erst, wenn eine zweite Person "
    "ihn bestätigt",
    holds=(MUNICIPALITY_READ, PARTICIPATION_PAPER_BALLOTS),
    demo=(
        DemoAccount("dresden.wahllokal1", "Wahllokal Pieschen, erste Person"),
        DemoAccount("dresden.wahllokal2", "Wahllokal Pieschen, zweite Person"),
    ),
)
