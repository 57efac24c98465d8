"""Region-wide processes (Smart Region): a lead municipality runs a process for several
municipalities of its region.

The process and all its rows (phases, proposals, ballots) stay the lead's, in the lead's
tenant scope; each participating municipality gets one `RegionShare` row, the only thing it
reads: its portal lists the process and links to the lead's pages, where its residents take
part and where the one tally counts every ballot. A municipality of another region cannot be
added, and one that was not added sees nothing (no share row names it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput
from smartcity.core.tenancy.models import Municipality
from smartcity.participation.models import Process, RegionShare
from smartcity.participation.services import refuse_frozen, voting_started


@dataclass(frozen=True)
class Shared:
    """A process another municipality of the region runs with this one."""

    title: str
    slug: str
    lead: Municipality

    @property
    def url(self) -> str:
        return f"/{self.lead.slug}/beteiligung/{self.slug}"


def participants(db: Session, process: Process) -> list[Municipality]:
    """The municipalities the lead shares the process with (not the lead), by name."""
    return list(
        db.scalars(
            select(Municipality)
            .join(RegionShare, RegionShare.participant_id == Municipality.id)
            .where(RegionShare.process_id == process.id)
            .order_by(Municipality.name)
        )
    )


def candidates(db: Session, lead: Municipality) -> list[Municipality]:
    """The other municipalities of the lead's region: those a process can be shared with."""
    return list(
        db.scalars(
            select(Municipality)
            .where(Municipality.region_id == lead.region_id, Municipality.id != lead.id)
            .order_by(Municipality.name)
        )
    )


def share(
    db: Session,
    process: Process,
    lead: Municipality,
    slugs: Sequence[str],
    *,
    actor: str,
    now: datetime | None = None,
) -> list[Municipality]:
    """Shares the process with exactly these municipalities of the lead's region (by slug);
    refused for another region's municipality, and (audited) once voting has started, since
    it decides whose residents may vote."""
    wanted = sorted(set(slugs))
    allowed = {m.slug: m for m in candidates(db, lead)}
    unknown = [slug for slug in wanted if slug not in allowed]
    if unknown:
        message = "Only other municipalities of the same region can take part."
        raise InvalidInput(message, errors={"participants": message})
    before = sorted(m.slug for m in participants(db, process))
    if before == wanted:
        return participants(db, process)
    if voting_started(db, process, now):
        refuse_frozen(db, process, "participating municipalities", {"participants": wanted}, actor)
    db.execute(delete(RegionShare).where(RegionShare.process_id == process.id))
    for slug in wanted:
        db.add(
            RegionShare(
                process_id=process.id,
                lead_id=lead.id,
                participant_id=allowed[slug].id,
                title=process.title,
                slug=process.slug,
            )
        )
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.region.share",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"participants": wanted, "before": before},
    )
    return participants(db, process)


def shared_with(db: Session, municipality: Municipality) -> list[Shared]:
    """The region-wide processes other municipalities share with this one."""
    rows = db.execute(
        select(RegionShare.title, RegionShare.slug, Municipality)
        .join(Municipality, Municipality.id == RegionShare.lead_id)
        .where(RegionShare.participant_id == municipality.id)
        .order_by(RegionShare.created_at.desc(), RegionShare.id.desc())
    )
    return [Shared(title, slug, lead) for title, slug, lead in rows]


def shared_process(db: Session, municipality: Municipality, slug: str) -> Shared | None:
    """The region-wide process with this slug shared with the municipality, if any."""
    return next((s for s in shared_with(db, municipality) if s.slug == slug), None)


def residence_keys(db: Session, process: Process, lead: Municipality) -> dict[str, str]:
    """The official municipality keys (AGS) whose residents count as living in the process's
    municipality: the lead's and every participant's, with their names."""
    found = {lead.ags: lead.shown_name}
    found.update({m.ags: m.shown_name for m in participants(db, process)})
    return found
