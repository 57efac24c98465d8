"""Roles, permissions and API-key scopes. Deny by default: nothing is allowed unless a
permission names the role or scope that grants it.

Modules declare their permissions with `define_permission`, next to their routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    ADMIN = "admin"
    CASE_WORKER = "case_worker"
    OPERATOR = "operator"
    DATA_STEWARD = "data_steward"
    AUDITOR = "auditor"
    # Datenschutzbeauftragte(r): data-subject requests, the register of processing, breaches.
    DATA_PROTECTION_OFFICER = "dpo"
    # Presse- und Öffentlichkeitsarbeit: writes the city's channel (news, events, warnings).
    COMMUNICATIONS = "communications"
    # Bäderbetrieb / Museum: sets up leisure facilities, their slots and products.
    FACILITY_MANAGER = "facility_manager"
    # Einlass: scans tickets at a facility's gate and takes payment at the cash desk.
    GATE_STAFF = "gate_staff"
    # Moderation of citizen participation: hides and restores proposals and comments.
    MODERATOR = "moderator"
    # Stadtwerke: the city's utilities (public transport timetables and realtime feeds).
    UTILITY_STAFF = "utility_staff"
    # Sitzungsdienst / Ratsbüro: the council's meetings, agendas, papers, members.
    COUNCIL_OFFICE = "council_office"
    # Stadtrat / Stadträtin: reads the council's non-public agenda items and papers.
    COUNCILLOR = "councillor"
    REGION_ADMIN = "region_admin"


MUNICIPALITY_ROLES = frozenset(Role) - {Role.REGION_ADMIN}

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
    "transit:write": "Maintain public transport: timetable (GTFS) imports and realtime sources",
}


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    roles: frozenset[Role]
    scopes: frozenset[str] = frozenset()


PERMISSIONS: dict[str, Permission] = {}


def define_permission(
    name: str, description: str, *, roles: set[Role], scopes: set[str] | None = None
) -> Permission:
    unknown = set(scopes or ()) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)} for permission {name}")
    if name in PERMISSIONS:
        raise ValueError(f"permission {name} defined twice")
    permission = Permission(name, description, frozenset(roles), frozenset(scopes or ()))
    PERMISSIONS[name] = permission
    return permission


ALL_STAFF = set(MUNICIPALITY_ROLES)

MUNICIPALITY_READ = define_permission(
    "municipality.read", "See the municipality's back-office overview", roles=ALL_STAFF
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
            return Role.REGION_ADMIN in self.roles or bool(permission.roles & self.roles)
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
