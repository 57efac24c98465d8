"""The votes on an agenda item in OParl, as a vendor extension (OParl 1.1, "Herstellerspezifische
Erweiterungen": a property with a vendor prefix): `smartcity:votes` on AgendaItem, a list of
the item's closed ballots with their result, counts, counts per faction and, for roll-call
votes, each member's vote. Only listed agenda items are serialised at all, so the votes of a
non-public item never reach OParl. Documented in docs/council.md."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import among
from smartcity.council.models import Organization, Person
from smartcity.council.session.models import Ballot, Vote

PROPERTY = "smartcity:votes"
CHOICE_NAMES = {"yes": "yes", "no": "no", "abstain": "abstention", "biased": "biased"}


def votes_of_items(
    db: Session,
    item_ids: Sequence[int],
    *,
    ref: Callable[[str, int], str],
    moment: Callable[[datetime], str],
) -> dict[int, list[dict[str, Any]]]:
    """The extension's value for each of the agenda items that has closed ballots."""
    if not item_ids:
        return {}
    ballots = db.scalars(
        select(Ballot)
        .where(among(db, Ballot.agenda_item_id, item_ids), Ballot.state == "closed")
        .order_by(Ballot.agenda_item_id, Ballot.id)
    ).all()
    if not ballots:
        return {}
    roll_call = [b.id for b in ballots if b.roll_call]
    persons: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if roll_call:
        for vote, person in db.execute(
            select(Vote, Person)
            .join(Person, Person.id == Vote.person_id)
            .where(Vote.ballot_id.in_(roll_call))
            .order_by(Person.family_name, Person.name, Person.id)
        ):
            entry: dict[str, Any] = {"name": person.name, "vote": CHOICE_NAMES[vote.choice]}
            if not person.deleted:
                entry["person"] = ref("person", person.id)
            persons[vote.ballot_id].append(entry)
    faction_ids = {f["faction_id"] for b in ballots for f in b.factions if f.get("faction_id")}
    listed = (
        set(
            db.scalars(
                select(Organization.id).where(
                    Organization.id.in_(faction_ids), Organization.deleted.is_(False)
                )
            )
        )
        if faction_ids
        else set()
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ballot in ballots:
        document: dict[str, Any] = {
            "subject": ballot.subject,
            "motion": ballot.motion,
            "voting": "rollCall" if ballot.roll_call else "open",
            "result": ballot.result,
            "yes": ballot.yes,
            "no": ballot.no,
            "abstention": ballot.abstain,
            "biased": ballot.biased,
            "membersWithVotingRight": ballot.members,
            "present": ballot.present,
            "closed": moment(ballot.closed_at or ballot.opened_at),
        }
        factions = []
        for faction in ballot.factions:
            shown: dict[str, Any] = {
                CHOICE_NAMES[c]: faction.get(c, 0) for c in ("yes", "no", "abstain", "biased")
            }
            if faction.get("name"):
                shown["name"] = faction["name"]
            if faction.get("faction_id") in listed:
                shown["organization"] = ref("organization", faction["faction_id"])
            factions.append(shown)
        if factions:
            document["factions"] = factions
        if persons.get(ballot.id):
            document["persons"] = persons[ballot.id]
        found[ballot.agenda_item_id].append(document)
    return found
