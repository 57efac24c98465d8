"""Staff accounts and their roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.identity.models import RoleAssignment, UserAccount, name_matches
from smartcity.core.identity.passwords import PasswordHashing, check_policy
from smartcity.core.identity.permissions import ROLES, Principal, Role, StaffRole
from smartcity.core.identity.sessions import end_all_sessions
from smartcity.core.tenancy.models import Municipality, Region

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{2,150}$")


def create_user(
    db: Session,
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str | None = None,
    actor: str,
    passwords: PasswordHashing,
    initial_days: int | None = None,
) -> UserAccount:
    """`initial_days`: an administrator chose the password, which must be changed at the
    first login and expires after that many days (see `set_password`)."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            "The user name is not valid.",
            errors={"username": "2-150 characters: letters, digits and . _ @ -"},
        )
    if password is not None:
        check_policy(password, username=username)
    if db.scalar(select(UserAccount.id).where(name_matches(username))):
        raise Conflict(f"The user name '{username}' is taken (names do not depend on case).")
    user = UserAccount(
        username=username,
        display_name=display_name.strip() or username,
        email=email,
        password_hash=passwords.hash(password) if password is not None else None,
    )
    mark_initial(user, initial_days)
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="user.create",
        resource_type="user",
        resource_id=user.id,
        changes=audit.summarize_changes(
            None,
            {"username": username, "email": email, "display_name": user.display_name},
            personal={"username", "email", "display_name"},
        ),
    )
    return user


def mark_initial(user: UserAccount, days: int | None) -> None:
    """The password was set by an administrator (days: its lifetime) or by its owner (None)."""
    user.password_change_required = days is not None and user.password_hash is not None
    user.password_expires_at = (
        utcnow() + timedelta(days=days) if user.password_change_required and days else None
    )


def get_user_by_name(db: Session, username: str) -> UserAccount:
    user = db.scalar(select(UserAccount).where(name_matches(username)))
    if user is None:
        raise NotFound(f"There is no user '{username}'.")
    return user


def set_password(
    db: Session,
    user: UserAccount,
    password: str,
    *,
    actor: str,
    passwords: PasswordHashing,
    initial_days: int | None = None,
) -> None:
    """A new password; every session of the user ends. `initial_days`: an administrator
    sets it, so it must be changed at the next login and expires after that many days."""
    check_policy(password, username=user.username)
    user.password_hash = passwords.hash(password)
    mark_initial(user, initial_days)
    end_all_sessions(db, user.id)
    audit.record(
        db, actor=actor, action="user.set_password", resource_type="user", resource_id=user.id
    )


def parse_role(value: str) -> StaffRole:
    """The declared role with this key; a key no installed module declares is refused."""
    role = ROLES.get(value)
    if role is None:
        known = ", ".join(sorted(ROLES))
        raise InvalidInput(
            f"Unknown role '{value}'. Known roles: {known}.", errors={"role": "unknown"}
        )
    return role


def assign_role(
    db: Session,
    user: UserAccount,
    role: StaffRole,
    *,
    municipality: Municipality | None,
    region: Region | None = None,
    department: str | None = None,
    actor: str,
) -> RoleAssignment:
    """Give a role in one municipality; a region's role (`region_admin`) for a region instead.
    Only a declared role is given (a stored key always names one)."""
    if ROLES.get(role) is not role:
        raise InvalidInput(f"Unknown role '{role}'.", errors={"role": "unknown"})
    if role.region:
        if region is None:
            raise InvalidInput("The region admin role is given for a region.")
        region_id, municipality_id = region.id, None
    else:
        if municipality is None:
            raise InvalidInput(f"The role {role} is given for a municipality.")
        region_id, municipality_id = municipality.region_id, municipality.id
    if role.needs_department and not (department and department.strip()):
        raise InvalidInput(
            f"A member of the role {role} belongs to a department.",
            errors={"department": "required"},
        )
    department = department.strip() if department else None
    existing = db.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.region_id == region_id,
            RoleAssignment.municipality_id.is_(None)
            if municipality_id is None
            else RoleAssignment.municipality_id == municipality_id,
            RoleAssignment.role == str(role),
            RoleAssignment.department.is_(None)
            if department is None
            else RoleAssignment.department == department,
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(
        user_id=user.id,
        region_id=region_id,
        municipality_id=municipality_id,
        role=str(role),
        department=department,
    )
    db.add(assignment)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="role.assign",
        resource_type="user",
        resource_id=user.id,
        changes={"role": str(role), "department": department},
        municipality_id=municipality_id,
    )
    return assignment


def revoke_role(
    db: Session, user: UserAccount, role: str, *, municipality: Municipality, actor: str
) -> int:
    assignments = list(
        db.scalars(
            select(RoleAssignment).where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.municipality_id == municipality.id,
                RoleAssignment.role == str(role),
            )
        )
    )
    for assignment in assignments:
        db.delete(assignment)
    if assignments:
        audit.record(
            db,
            actor=actor,
            action="role.revoke",
            resource_type="user",
            resource_id=user.id,
            changes={"role": str(role)},
            municipality_id=municipality.id,
        )
    return len(assignments)


def set_active(
    db: Session, user: UserAccount, active: bool, *, municipality: Municipality, by: Principal
) -> None:
    """Lock an account (its sessions end at once) or open it again. The account may also
    work for other municipalities: then only the region administration decides."""
    if by.kind == "user" and by.id == user.id:
        raise Conflict("You cannot lock your own account.")
    elsewhere = db.scalar(
        select(RoleAssignment.id)
        .where(
            RoleAssignment.user_id == user.id,
            (RoleAssignment.municipality_id != municipality.id)
            | RoleAssignment.municipality_id.is_(None),
        )
        .limit(1)
    )
    if elsewhere is not None and Role.REGION_ADMIN not in by.roles:
        raise Conflict(
            "This account also has roles outside this municipality; the region "
            "administration locks it, or you take away the roles you gave."
        )
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        end_all_sessions(db, user.id)
    audit.record(
        db,
        actor=by.actor,
        action="user.unlock" if active else "user.lock",
        resource_type="user",
        resource_id=user.id,
        municipality_id=municipality.id,
    )


@dataclass(frozen=True)
class Grants:
    roles: frozenset[str]
    departments: frozenset[str]


def grants_in(db: Session, user_id: int, municipality: Municipality) -> Grants:
    rows = db.execute(
        select(RoleAssignment.role, RoleAssignment.department).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.region_id == municipality.region_id,
            (RoleAssignment.municipality_id == municipality.id)
            | RoleAssignment.municipality_id.is_(None),
        )
    ).all()
    return Grants(
        roles=frozenset(role for role, _ in rows),
        departments=frozenset(dep for _, dep in rows if dep),
    )


def _label(assignment: RoleAssignment) -> str:
    return assignment.role + (f":{assignment.department}" if assignment.department else "")


def staff_of(db: Session, municipality: Municipality) -> list[tuple[UserAccount, list[str]]]:
    """Users with a role in the municipality, each with labels such as `case_worker:Bauamt`."""
    rows = db.execute(
        select(UserAccount, RoleAssignment)
        .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
        .where(RoleAssignment.municipality_id == municipality.id)
        .order_by(UserAccount.username, RoleAssignment.role)
    ).all()
    staff: dict[int, tuple[UserAccount, list[str]]] = {}
    for user, assignment in rows:
        staff.setdefault(user.id, (user, []))[1].append(_label(assignment))
    return list(staff.values())


def staff_member(db: Session, municipality: Municipality, user_id: int) -> UserAccount | None:
    """The account, if it holds a role in the municipality (an account of another
    municipality is not found here)."""
    user = db.get(UserAccount, user_id)
    if user is None or not role_labels(db, municipality, user_id):
        return None
    return user


def role_labels(db: Session, municipality: Municipality, user_id: int) -> list[str]:
    """One user's roles in the municipality (empty: not staff there)."""
    assignments = db.scalars(
        select(RoleAssignment)
        .where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.municipality_id == municipality.id,
        )
        .order_by(RoleAssignment.role)
    )
    return [_label(assignment) for assignment in assignments]


def actor_names(
    db: Session,
    actors: Iterable[str] = (),
    *,
    accounts: Iterable[UserAccount] | None = None,
    with_login: bool = False,
) -> dict[str, str]:
    """Audit actors of staff accounts ("user:7") by the person's name: the display name (the
    login where there is none); `with_login` adds the login ("Anna Beispiel (a.beispiel)").
    The accounts are those the `actors` name (read in one query), or `accounts` where the
    caller has read them already. Other actors (an API key, "system") are not in the result."""
    if accounts is None:
        ids = {
            int(number)
            for prefix, _, number in (actor.partition(":") for actor in actors)
            if prefix == "user" and number.isdecimal()
        }
        accounts = (
            db.scalars(select(UserAccount).where(UserAccount.id.in_(sorted(ids)))) if ids else ()
        )
    names: dict[str, str] = {}
    for account in accounts:
        name = account.display_name or account.username
        if with_login and account.display_name:
            name = f"{account.display_name} ({account.username})"
        names[f"user:{account.id}"] = name
    return names
