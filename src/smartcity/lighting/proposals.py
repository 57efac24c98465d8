"""What street lighting suggests for the city's channel: a group (a street, a park) where
several lamps are out at once, which residents notice and ask about. A single failed lamp is
a repair case, not news."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.modules import ChannelProposal
from smartcity.lighting.models import LampFault, LightingGroup, Luminaire

# Open faults in one group from which an outage is worth telling the public.
OUTAGE_FAULTS = 3


def outages(db: Session) -> list[ChannelProposal]:
    rows = db.execute(
        select(LightingGroup.id, LightingGroup.name, func.count(), func.min(LampFault.id))
        .join(Luminaire, Luminaire.group_id == LightingGroup.id)
        .join(LampFault, LampFault.luminaire_id == Luminaire.id)
        .where(LampFault.closed_at.is_(None))
        .group_by(LightingGroup.id, LightingGroup.name)
        .having(func.count() >= OUTAGE_FAULTS)
        .order_by(LightingGroup.name)
    )
    return [
        ChannelProposal(
            # The outage's occasion is its first open fault: once all are repaired and lamps
            # fail again, that is a new outage.
            key=f"ausfall-{group_id}-{first_fault}",
            kind="news",
            title=f"Straßenbeleuchtung: Störung in {name}",
            teaser=(
                f"In {name} sind derzeit {faults} Leuchten gestört. Die Reparatur ist beauftragt;"
                " einzelne Ausfälle können Sie weiterhin im Mängelmelder melden."
            ),
            location=name,
        )
        for group_id, name, faults, first_fault in rows
    ]
