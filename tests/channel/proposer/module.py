"""A module of the tests that proposes posts for the city's channel through its declaration
(as a council-meeting or a pool module would)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from smartcity.core.modules import ChannelProposal, Module

MEETING = datetime(2027, 1, 20, 17, 0, tzinfo=UTC)


def proposals(db: Session) -> list[ChannelProposal]:
    return [
        ChannelProposal(
            key="sitzung-2027-01-20",
            kind="event",
            title="Sitzung des Stadtrats",
            teaser="Öffentliche Sitzung mit Bürgerfragestunde.",
            starts_at=MEETING,
            location="Plenarsaal, Neues Rathaus",
        )
    ]


module = Module(name="proposer", channel_proposals=(proposals,))
