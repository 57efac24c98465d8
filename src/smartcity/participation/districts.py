"""Areas and budgets per district: a process's area (where proposals may be placed) and, for a
participatory budget, one budget per district with its own voting rule, its own projects and
ballots and its own tally. A district's rules are frozen with the process's once voting
starts (any attempt is refused and audited, as for the process's rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.participation import areas
from smartcity.participation.models import District, Process, Proposal
from smartcity.participation.services import check_rules, refuse_frozen, voting_started


def set_area(db: Session, process: Process, text: str, *, actor: str) -> Process:
    """The process's area from pasted or uploaded GeoJSON ("" removes it). Proposals placed
    earlier stay where they are; new ones must lie inside."""
    area = areas.parse(text)
    if area == process.area_geojson:
        return process
    process.area_geojson = area
    audit.record(
        db,
        actor=actor,
        action="participation.area.set",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"area": area["type"] if area else None},
    )
    return process


@dataclass
class DistrictInput:
    name: str
    budget_cents: int | None
    rule: str = "approval"
    max_choices: int = 3
    tie_break: str = "lower_cost"
    min_share_percent: int = 0
    partial_funding: bool = False
    postal_codes: Sequence[str] = field(default_factory=tuple)
    area: str = ""


def districts(db: Session, process: Process) -> list[District]:
    return list(
        db.scalars(
            select(District).where(District.process_id == process.id).order_by(District.name)
        )
    )


def district_of(db: Session, process: Process, district_id: int) -> District:
    found = db.get(District, district_id)
    if found is None or found.process_id != process.id:
        raise NotFound("There is no such district in this process.")
    return found


def _postal_codes(given: Sequence[str]) -> list[str]:
    codes = sorted({code.strip() for code in given if code.strip()})
    if any(not (len(code) == 5 and code.isascii() and code.isdecimal()) for code in codes):
        message = "Postal codes have five digits."
        raise InvalidInput(message, errors={"postal_codes": message})
    return codes


def _checked(db: Session, process: Process, data: DistrictInput) -> dict[str, object]:
    errors = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Please name the district."
    elif len(name) > 100:
        errors["name"] = "Please use at most 100 characters for the name."
    if data.budget_cents is None:
        errors["budget"] = "Please enter the district's budget."
    if process.budget_cents is None:
        errors["budget"] = "Please set up the participatory budget of the process first."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    check_rules(
        data.rule,
        data.max_choices,
        data.tie_break,
        data.budget_cents,
        process.identification,
        data.min_share_percent,
    )
    return {
        "name": name,
        "budget_cents": data.budget_cents,
        "rule": data.rule,
        "max_choices": data.max_choices,
        "tie_break": data.tie_break,
        "min_share_percent": data.min_share_percent,
        "partial_funding": data.partial_funding,
        "postal_codes": _postal_codes(data.postal_codes),
        "area_geojson": areas.parse(data.area),
    }


def save_district(
    db: Session,
    process: Process,
    data: DistrictInput,
    *,
    actor: str,
    district: District | None = None,
    now: datetime | None = None,
) -> District:
    """Adds a district (or changes `district`); refused and audited once voting started."""
    values = _checked(db, process, data)
    clash = db.scalar(
        select(District.id).where(
            District.process_id == process.id, District.name == values["name"]
        )
    )
    if clash is not None and (district is None or clash != district.id):
        message = "This process has a district of this name already."
        raise InvalidInput(message, errors={"name": message})
    if district is not None:
        changes = {k: v for k, v in values.items() if getattr(district, k) != v}
        if not changes:
            return district
    else:
        changes = dict(values)
    if voting_started(db, process, now):
        refuse_frozen(
            db, process, "district", {"district": str(values["name"]), **_summary(changes)}, actor
        )
    if district is None:
        district = District(process_id=process.id, **values)
        db.add(district)
    else:
        for name, value in changes.items():
            setattr(district, name, value)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.district.save",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"district": district.id, **_summary(changes)},
    )
    return district


def _summary(changes: dict[str, object]) -> dict[str, object]:
    """What the audit log keeps of a change: the outline only as "changed"."""
    return {k: ("changed" if k == "area_geojson" else v) for k, v in changes.items()}


def remove_district(
    db: Session, process: Process, district: District, *, actor: str, now: datetime | None = None
) -> None:
    if voting_started(db, process, now):
        refuse_frozen(db, process, "district", {"district": district.name}, actor)
    db.delete(district)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.district.remove",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"district": district.name},
    )


def set_project_district(
    db: Session,
    process: Process,
    proposal: Proposal,
    district_id: int | None,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    """Puts a project on the ballot of a district (None: of none); frozen for a project on the
    ballot once voting started."""
    if district_id is not None:
        district_of(db, process, district_id)
    if proposal.district_id == district_id:
        return
    if proposal.on_ballot and voting_started(db, process, now):
        refuse_frozen(db, process, "district of a project", {"proposal": proposal.id}, actor)
    proposal.district_id = district_id
    audit.record(
        db,
        actor=actor,
        action="participation.proposal.district",
        resource_type="participation_proposal",
        resource_id=proposal.id,
        changes={"district": district_id},
    )


def district_at(found: Sequence[District], lat: float, lon: float) -> District | None:
    """The district whose area contains the place (the first by name), if any."""
    return next(
        (
            d
            for d in found
            if d.area_geojson is not None and areas.contains(d.area_geojson, lat, lon)
        ),
        None,
    )


def district_by_postal_code(found: Sequence[District], postal_code: str | None) -> District | None:
    if postal_code is None:
        return None
    return next((d for d in found if postal_code in d.postal_codes), None)
