"""Who may see which case, and the version a change must name."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from smartcity.cases.models import Case
from smartcity.core.errors import PermissionDenied, PreconditionFailed, PreconditionRequired
from smartcity.core.identity.permissions import Principal, Role
from smartcity.core.lookup import get_or_404


def sees_all_departments(principal: Principal) -> bool:
    return bool({Role.ADMIN, Role.REGION_ADMIN, Role.AUDITOR} & principal.roles)


def visible(principal: Principal) -> ColumnElement[bool]:
    """The cases the principal may see: all, or those of their departments."""
    if sees_all_departments(principal):
        return true()
    return Case.department.in_(sorted(principal.departments))


def get_case(db: Session, principal: Principal, case_id: int) -> Case:
    case = get_or_404(db, Case, case_id, "case")
    if not sees_all_departments(principal) and case.department not in principal.departments:
        raise PermissionDenied(
            f"Case {case_id} belongs to {case.department}, not to your departments."
        )
    return case


def check_version(case: Case, if_match: str | None) -> None:
    # `*` (any version) would let a change overwrite one its author never saw: refused too.
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            'Send the version you changed with If-Match: "<version>" (from the ETag), so that '
            "nobody's change is overwritten unseen."
        )
    versions = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(case.version) not in versions:
        raise PreconditionFailed(
            f"Der Vorgang wurde inzwischen geändert (jetzt Version {case.version}). "
            "Bitte laden Sie ihn neu und prüfen Sie Ihre Änderung."
        )
