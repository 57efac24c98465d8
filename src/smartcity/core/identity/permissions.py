"""Roles, permissions and API-key scopes. Deny by default: nothing is allowed unless a
permission names the role or scope that grants it, or a role's declaration says it holds it.

Modules declare their permissions with `define_permission` and their roles with `define_role`,
next to their routes, and list both in their `module.py`; the back office, the demo and the
checks of stored roles read the roles from there. The platform's own roles (administration,
case work, operations, data, audit, press, the region) are `Role`'s below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class DemoAccount:
    """A staff account `smartcity demo` creates with a role (its password is generated)."""

    username: str
    display_name: str
    # The demo municipality's slug; None for a role given for the region.
    municipality: str | None = "dresden"
    department: str | None = None


class StaffRole(str):
    """A role staff hold in one municipality (or, `region=True`, in the whole region).

    It is its key wherever a text is wanted — the stored `role_assignment.role`, a principal's
    roles, a comparison with either — and carries what the back office shows of it (label and
    description in German and English), the permissions it holds besides those that name it,
    and the demo's accounts in it. Made by `define_role` only."""

    label: str
    label_de: str
    description: str
    description_de: str
    holds: frozenset[str]
    demo: tuple[DemoAccount, ...]
    region: bool
    needs_department: bool

    def __new__(
        cls,
        key: str,
        *,
        label: str,
        label_de: str,
        description: str,
        description_de: str,
        holds: Iterable[Permission] = (),
        demo: Iterable[DemoAccount] = (),
        region: bool = False,
        needs_department: bool = False,
    ) -> StaffRole:
        role = super().__new__(cls, key)
        role.label, role.label_de = label, label_de
        role.description, role.description_de = description, description_de
        role.holds = frozenset(p.name for p in holds)
        role.demo = tuple(demo)
        role.region = region
        role.needs_department = needs_department
        return role

    @property
    def key(self) -> str:
        return str(self)

    def label_in(self, language: str) -> str:
        return self.label_de if language == "de" else self.label

    def description_in(self, language: str) -> str:
        return self.description_de if language == "de" else self.description

    def grants(self, permission: Permission) -> bool:
        return (
            self in permission.roles
            or permission.name in self.holds
            or (permission.every_staff_role and not self.region)
        )


# Every role a loaded module declares, by key (as PERMISSIONS holds every permission). A
# stored role that no module declares grants nothing and cannot be given.
ROLES: dict[str, StaffRole] = {}


def define_role(
    key: str,
    *,
    label: str,
    label_de: str,
    description: str,
    description_de: str,
    holds: Iterable[Permission] = (),
    demo: Iterable[DemoAccount] = (),
    region: bool = False,
    needs_department: bool = False,
) -> StaffRole:
    """Declare a role; list it in the module's `Module(roles=...)`. `holds`: permissions of
    the module (or of those it requires) the role holds although they do not name it."""
    if key in ROLES:
        raise ValueError(f"role {key} defined twice")
    # ASCII, as SMARTCITY_MFA_REQUIRED_ROLES names them ("ä".isalpha() is true as well).
    if not re.fullmatch(r"[a-z][a-z_]{0,39}", key):
        raise ValueError(f"role key {key!r}: lower-case letters and _ only, at most 40")
    role = StaffRole(
        key,
        label=label,
        label_de=label_de,
        description=description,
        description_de=description_de,
        holds=holds,
        demo=demo,
        region=region,
        needs_department=needs_department,
    )
    ROLES[key] = role
    return role


# The scopes an API key can carry. A scope grants the permissions that name it.
SCOPES: dict[str, str] = {
    "sta:read": "Read restricted SensorThings data",
    "sta:write": "Create and change SensorThings entities and observations (devices)",
    "open311:write": "Submit service requests through Open311 GeoReport v2",
    "parking:write": "Maintain car parks: import, close and open, counters and sensed spaces",
    "lighting:write": "Set up lighting groups, programs and luminaires",
    "benches:write": "Register smart benches and set the air-quality alert recipient",
    "audit:read": "Read and verify the municipality's audit log",
    "export:read": "Download the municipality's complete data export",
    "watermeter:export": "Export water-meter readings for billing (Stadtwerke)",
    "tickets:scan": "Scan leisure tickets at a facility's gate (entry and exit)",
    "tickets:book": "Book leisure tickets for citizens (city app, tourist information)",
    "transit:write": "Maintain public transport: timetable (GTFS) imports and realtime sources",
    "wifi:write": "Send the public WiFi's node list (a Freifunk map server or controller)",
}


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()
    # Held by every role given in a municipality (seeing its back office at all).
    every_staff_role: bool = False


PERMISSIONS: dict[str, Permission] = {}


def define_permission(
    name: str,
    description: str,
    *,
    roles: set[StaffRole],
    scopes: set[str] | None = None,
    every_staff_role: bool = False,
) -> Permission:
    unknown = set(scopes or ()) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)} for permission {name}")
    if name in PERMISSIONS:
        raise ValueError(f"permission {name} defined twice")
    permission = Permission(
        name, description, frozenset(roles), frozenset(scopes or ()), every_staff_role
    )
    PERMISSIONS[name] = permission
    return permission


class Role:
    """The platform's own roles: offices every municipality has, named by the permissions of
    many modules. A module's own roles are declared in that module (`define_role`)."""

    ADMIN = define_role(
        "admin",
        label="Administration",
        label_de="Verwaltung",
        description="Runs the municipality's platform: staff and roles, settings, API keys",
        description_de="Betreut die Plattform der Kommune: Personal und Rollen, "
        "Einstellungen, API-Schlüssel",
        demo=(
            DemoAccount("dresden.admin", "Administration Dresden"),
            DemoAccount("radebeul.admin", "Administration Radebeul", "radebeul"),
        ),
    )
    CASE_WORKER = define_role(
        "case_worker",
        label="Case worker",
        label_de="Sachbearbeitung",
        description="Works the cases of one department",
        description_de="Bearbeitet die Vorgänge eines Fachbereichs",
        needs_department=True,
        demo=(
            DemoAccount(
                "dresden.sachbearbeitung",
                "Sachbearbeitung Bürgeramt",
                department="Bürgeramt",
            ),
        ),
    )
    OPERATOR = define_role(
        "operator",
        label="Operations",
        label_de="Betrieb",
        description="Runs the city's technical infrastructure (lighting, parking, sensors)",
        description_de="Betreibt die technische Infrastruktur (Beleuchtung, Parken, Sensorik)",
        demo=(DemoAccount("dresden.betrieb", "Betrieb Stadtbeleuchtung"),),
    )
    DATA_STEWARD = define_role(
        "data_steward",
        label="Data steward",
        label_de="Datenverantwortung",
        description="Looks after the city's data: sensors, open data, exports, API keys",
        description_de="Verantwortet die Daten der Stadt: Sensorik, offene Daten, Exporte, "
        "API-Schlüssel",
        demo=(DemoAccount("dresden.daten", "Datenverantwortung"),),
    )
    AUDITOR = define_role(
        "auditor",
        label="Auditor",
        label_de="Revision",
        description="Reads the audit log, the staff list and the cases, changes nothing",
        description_de="Liest Protokoll, Personalliste und Vorgänge, ändert nichts",
        demo=(DemoAccount("dresden.revision", "Revision"),),
    )
    # Shared by the channel (news, events, warnings) and participation (processes).
    COMMUNICATIONS = define_role(
        "communications",
        label="Press and communications",
        label_de="Presse- und Öffentlichkeitsarbeit",
        description="Speaks for the city: its channel and its participation processes",
        description_de="Spricht für die Stadt: ihr Kanal und ihre Beteiligungsverfahren",
        demo=(DemoAccount("dresden.presse", "Presse- und Öffentlichkeitsarbeit"),),
    )
    REGION_ADMIN = define_role(
        "region_admin",
        label="Region administration",
        label_de="Regionaladministration",
        description="Holds every permission in every municipality of the region",
        description_de="Hat alle Rechte in allen Kommunen der Region",
        region=True,
        demo=(DemoAccount("region.admin", "Regionaladministration", None),),
    )


MUNICIPALITY_READ = define_permission(
    "municipality.read",
    "See the municipality's back-office overview",
    roles=set(),
    every_staff_role=True,
)
STAFF_READ = define_permission(
    "staff.read", "List staff and their roles", roles={Role.ADMIN, Role.AUDITOR}
)
STAFF_MANAGE = define_permission(
    "staff.manage", "Create staff accounts and assign roles", roles={Role.ADMIN}
)
APIKEYS_MANAGE = define_permission(
    "apikeys.manage",
    "Create, list and revoke API keys",
    roles={Role.ADMIN, Role.DATA_STEWARD},
)
AUDIT_READ = define_permission(
    "audit.read",
    "Read and verify the audit log",
    roles={Role.ADMIN, Role.AUDITOR},
    scopes={"audit:read"},
)
DATA_EXPORT = define_permission(
    "data.export",
    "Export all of the municipality's data",
    roles={Role.ADMIN, Role.DATA_STEWARD},
    scopes={"export:read"},
)


@dataclass(frozen=True)
class Principal:
    """Who is asking, as seen from one municipality."""

    kind: Literal["anonymous", "user", "api_key"]
    id: int | None = None
    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    csrf_token: str | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        """How the audit log names this principal (an id, never a name)."""
        return "anonymous" if self.id is None else f"{self.kind.replace('_', '')}:{self.id}"

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    def can(self, permission: Permission) -> bool:
        if self.kind == "user":
            if Role.REGION_ADMIN in self.roles:
                return True
            return any(role in ROLES and ROLES[role].grants(permission) for role in self.roles)
        if self.kind == "api_key":
            return bool(permission.scopes & self.scopes)
        return False

    def holds_scope(self, scope: str) -> bool:
        """Whether this principal may do all that `scope` lets a key do — only then may it
        give a key that scope (nobody grants what they do not hold)."""
        if self.kind == "api_key":
            return scope in self.scopes
        if not self.is_authenticated:
            return False
        return all(self.can(p) for p in PERMISSIONS.values() if scope in p.scopes)


ANONYMOUS = Principal(kind="anonymous")
