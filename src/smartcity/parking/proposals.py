"""What parking suggests for the city's channel: a car park its operator closed, so the press
office can tell drivers before they drive there. Nothing is published without a publisher."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import ChannelProposal
from smartcity.parking.models import CarPark


def closed_car_parks(db: Session) -> list[ChannelProposal]:
    closed = db.scalars(select(CarPark).where(CarPark.closed.is_(True)).order_by(CarPark.name))
    return [
        ChannelProposal(
            # The closure's occasion: a car park closed again later is a new proposal.
            key=f"geschlossen-{car_park.id}-{car_park.updated_at:%Y%m%d%H%M}",
            kind="news",
            title=f"{car_park.name} vorübergehend geschlossen",
            teaser=(
                f"{car_park.name}"
                + (f" ({car_park.address})" if car_park.address else "")
                + " ist derzeit geschlossen. Freie Plätze in anderen Parkhäusern zeigt die"
                " Parkplatzübersicht."
            ),
            location=car_park.address or car_park.name,
        )
        for car_park in closed
    ]
