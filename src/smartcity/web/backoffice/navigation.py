"""Back-office navigation: each staff member sees the areas their roles open."""

from __future__ import annotations

from smartcity.cases.permissions import CASES_READ
from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    MUNICIPALITY_READ,
    STAFF_READ,
    Permission,
    Principal,
)
from smartcity.core.web.i18n import _
from smartcity.watermeter.permissions import WATERMETER_MANAGE

AREAS: list[tuple[str, str, Permission]] = [
    ("", _("Overview"), MUNICIPALITY_READ),
    ("vorgaenge", _("Inbox"), CASES_READ),
    ("maengel", _("Defect reports"), CASES_READ),
    ("wasserzaehler", _("Water meter review"), WATERMETER_MANAGE),
    ("cockpit", _("City cockpit"), MUNICIPALITY_READ),
    ("benutzer", _("Users and roles"), STAFF_READ),
    ("api-schluessel", _("API keys"), APIKEYS_MANAGE),
    ("protokoll", _("Audit log"), AUDIT_READ),
]


def items_for(principal: Principal) -> list[tuple[str, str]]:
    return [(path, label) for path, label, permission in AREAS if principal.can(permission)]
