"""Participation processes, their phases, proposals, supports, comments, flags and ballots.

Citizens are known by their citizen login's subject (issuer and subject) only where a row
must be theirs (a proposal's author, one support per person); a ballot carries a keyed hash
of the voter instead, so that the published ballots say nothing about who cast them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

# The phases of a process, in their usual order.
PHASES = (
    "information",
    "proposals",
    "comments",
    "support",
    "review",
    "voting",
    "results",
    "implementation",
)
# What each phase allows citizens to do; the services refuse anything else.
ALLOWED: dict[str, frozenset[str]] = {
    "information": frozenset(),
    "proposals": frozenset({"propose", "comment"}),
    "comments": frozenset({"comment"}),
    "support": frozenset({"support", "comment"}),
    "review": frozenset(),
    "voting": frozenset({"vote"}),
    "results": frozenset(),
    "implementation": frozenset(),
}
# How voters of a participatory budget identify themselves.
IDENTIFICATIONS = ("login", "codes")
# Voting rules: choose up to N projects, or any projects whose costs fit the budget, or
# distribute up to N supports (several on one project allowed).
RULES = ("approval", "knapsack", "supports")
# How equal vote counts are ordered: the cheaper project first, or the earlier proposal.
TIE_BREAKS = ("lower_cost", "earlier_proposal")
STANCES = ("pro", "contra", "neutral")
# Who may vote with the citizen login, besides the minimum age: anybody, residents of the
# municipality (of a participating municipality, for a region-wide process) or of the district.
RESIDENCE_RULES = ("", "municipality", "district")
# With budgets per district: the voter's district follows from their address, or they choose.
DISTRICT_RULES = ("residence", "choice")
FEASIBILITY = ("feasible", "not_feasible")


class Process(TenantOwned, Base):
    __tablename__ = "participation_process"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(200), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Supports a proposal needs to reach the review (None: no threshold).
    support_threshold: Mapped[int | None] = mapped_column(Integer, default=None)
    # The participatory budget, in cents (None: no voting on projects).
    budget_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rule: Mapped[str] = mapped_column(String(20), default="approval")
    # "approval": at most this many projects per ballot.
    max_choices: Mapped[int] = mapped_column(Integer, default=3)
    tie_break: Mapped[str] = mapped_column(String(20), default="lower_cost")
    # How voters identify: "login" (the citizen login) or "codes" (one-time voting codes the
    # city prints and mails). One of the two, so that nobody votes once by each.
    identification: Mapped[str] = mapped_column(String(10), default="login", server_default="login")
    # "knapsack": a ballot must spend at least this percentage of the budget (0: none).
    min_share_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The first ranked project that no longer fits gets the rest of the budget.
    partial_funding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The area as a GeoJSON Polygon or MultiPolygon (WGS84, checked by `areas.parse`); proposals
    # must be placed inside it. `area` stays its name in words (the map's text alternative).
    area_geojson: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Eligibility of voters with the citizen login (frozen with the rules once voting starts):
    # the least age on the day they vote (None: none) and where they must live (RESIDENCE_RULES).
    min_age: Mapped[int | None] = mapped_column(Integer, default=None)
    residence: Mapped[str] = mapped_column(String(12), default="", server_default="")
    # With budgets per district (`District`): how a voter's district is decided.
    district_rule: Mapped[str] = mapped_column(
        String(10), default="residence", server_default="residence"
    )


class District(TenantOwned, Base):
    """A district's own budget inside a process: its projects, ballots and rules are its own,
    and its tally is separate. Its rules are frozen with the process's once voting starts."""

    __tablename__ = "participation_district"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    area_geojson: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Postal codes of the district's addresses: a citizen login's address decides residence.
    postal_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(20), default="approval")
    max_choices: Mapped[int] = mapped_column(Integer, default=3)
    tie_break: Mapped[str] = mapped_column(String(20), default="lower_cost")
    min_share_percent: Mapped[int] = mapped_column(Integer, default=0)
    partial_funding: Mapped[bool] = mapped_column(Boolean, default=False)


class RegionShare(Base):
    """A region-wide process: the lead municipality (which owns the process and every row of
    it) shares it with another municipality of its region, whose portal then lists it and
    whose residents may vote in it. Instance-wide on purpose, like the region itself: the
    participating municipality reads only this row (title and address), never the process's
    tables, which stay in the lead's tenant scope."""

    __tablename__ = "participation_region_share"
    __table_args__ = (UniqueConstraint("process_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    # What the participant's portal lists: the process's title and slug as at sharing.
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Phase(TenantOwned, Base):
    __tablename__ = "participation_phase"
    __table_args__ = (UniqueConstraint("process_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Proposal(TenantOwned, Base):
    __tablename__ = "participation_proposal"
    __table_args__ = (Index("ix_participation_proposal_listing", "process_id", "hidden_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE")
    )
    # The citizen login's subject (issuer|subject); NULL for the administration's projects.
    author_subject: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    # The name shown with the proposal: the author's choice, a pseudonym is fine.
    public_name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    # Sanitised on the way in (nh3, a small allow-list): safe to render as HTML.
    body_html: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60), default="")
    lat: Mapped[float | None] = mapped_column(default=None)
    lon: Mapped[float | None] = mapped_column(default=None)
    supports: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moderation: hidden proposals leave every page, API, map and export.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")
    # Held for review (a word of the municipality's list): out of every page, API, map and
    # export until a moderator releases it; its author sees it as "being checked".
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The administration's review.
    feasibility: Mapped[str | None] = mapped_column(String(20), default=None)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    cost_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    department: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The case the review opened in the department's inbox (review_cases.py).
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), default=None
    )
    # On the ballot of the process's participatory budget.
    on_ballot: Mapped[bool] = mapped_column(default=False)
    # With budgets per district: the district whose ballot the project is on.
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_district.id", ondelete="SET NULL"), default=None, index=True
    )


class Support(TenantOwned, Base):
    __tablename__ = "participation_support"
    __table_args__ = (UniqueConstraint("proposal_id", "citizen_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("participation_proposal.id", ondelete="CASCADE")
    )
    citizen_subject: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(TenantOwned, Base):
    __tablename__ = "participation_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("participation_proposal.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_comment.id", ondelete="CASCADE"), default=None
    )
    author_subject: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    # Official answers: the staff member who wrote it (the page names the administration).
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    public_name: Mapped[str] = mapped_column(String(80))
    stance: Mapped[str] = mapped_column(String(10), default="neutral")
    official: Mapped[bool] = mapped_column(default=False)
    # Plain text, never rendered as HTML.
    body: Mapped[str] = mapped_column(Text)
    supports: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")
    # Held for review (see Proposal.held_at): shown to its author only.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CommentSupport(TenantOwned, Base):
    __tablename__ = "participation_comment_support"
    __table_args__ = (UniqueConstraint("comment_id", "citizen_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("participation_comment.id", ondelete="CASCADE")
    )
    citizen_subject: Mapped[str] = mapped_column(String(255), index=True)


class Flag(TenantOwned, Base):
    """A citizen's report of a proposal or comment; open until a moderator decides."""

    __tablename__ = "participation_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "proposal" or "comment".
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    reporter_subject: Mapped[str] = mapped_column(String(255), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Ballot(TenantOwned, Base):
    """One voter's ballot in a process: changeable until voting closes, one per voter by the
    unique key (an upsert, so that concurrent casts of one voter leave one row)."""

    __tablename__ = "participation_ballot"
    __table_args__ = (UniqueConstraint("process_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    # HMAC of the voter's subject with the server secret and the process: not the identity.
    voter_key: Mapped[str] = mapped_column(String(64))
    # Published with the ballot, so that every voter can find theirs in the tally.
    receipt: Mapped[str] = mapped_column(String(20), unique=True)
    choices: Mapped[list[int]] = mapped_column(JSON)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # With budgets per district: the district this ballot counts in.
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_district.id", ondelete="CASCADE"), default=None, index=True
    )
    # Entered from a paper ballot of a polling station (paper.py): never replaced online.
    paper: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class VotingCode(TenantOwned, Base):
    """A one-time voting code the city printed and mailed (for voters without the citizen
    login). Only a keyed hash is kept: the codes themselves leave the platform once, in the
    export for the print shop. The ballot cast with a code is keyed by the code, so the code's
    holder can change it until voting closes, and never cast a second one."""

    __tablename__ = "participation_voting_code"
    __table_args__ = (
        # Named by their first column (the naming convention): code_hash, serial.
        UniqueConstraint("code_hash", "process_id"),
        UniqueConstraint("serial", "process_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    # Printed beside the code, so that the print shop's run can be checked and counted.
    serial: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64))
    # Nothing records whether or when a code was used: a time or a flag written with the
    # ballot would let whoever reads the database pair a serial number (and so the letter's
    # address) with a ballot. The turnout is the number of ballots.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(TenantOwned, Base):
    """A signed-in citizen follows a proposal: e-mails on new comments, official answers and
    the administration's review (opt-in, to the citizen login's confirmed address; every mail
    carries a link that ends it without signing in: an HMAC of the row's id with the server
    secret, so every mail's link stays valid and nothing secret is stored)."""

    __tablename__ = "participation_follow"
    __table_args__ = (UniqueConstraint("proposal_id", "citizen_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("participation_proposal.id", ondelete="CASCADE"), index=True
    )
    citizen_subject: Mapped[str] = mapped_column(String(255), index=True)
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5), default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# What an attachment is: an image (shown, with its alternative text) or a PDF document.
ATTACHMENT_KINDS = ("image", "document")


class Attachment(TenantOwned, Base):
    """A document or image of a process (added by staff) or of a proposal (added by its
    author). The bytes are an upload of the platform (`stored_file`, owner kind
    `attachments.PROCESS_FILES` or `attachments.PROPOSAL_FILES`); this row says what it shows,
    in words for people who cannot see it, and is deleted with its file."""

    __tablename__ = "participation_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_file.id", ondelete="CASCADE"), unique=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    # NULL: a document or image of the process itself.
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_proposal.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    # The alternative text of an image, the link text of a document.
    description: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Block(TenantOwned, Base):
    """A citizen account the moderation blocked in this municipality: it can no longer make
    proposals, support or comment here. Unblocking deletes the row (both are audited)."""

    __tablename__ = "participation_block"
    __table_args__ = (UniqueConstraint("citizen_subject", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_subject: Mapped[str] = mapped_column(String(255))
    # The public name of the contribution the block was decided on, for the moderators' list.
    public_name: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(500))
    blocked_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldWord(TenantOwned, Base):
    """A word or phrase of the municipality's list: a proposal or comment containing it is
    held for the moderation's review instead of being published."""

    __tablename__ = "participation_held_word"
    __table_args__ = (UniqueConstraint("word", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A paper ballot's way: entered, then counted by a second person or rejected.
PAPER_STATES = ("pending", "counted", "rejected")


class PaperBallot(TenantOwned, Base):
    """A paper ballot of a polling station as one staff member entered it. It counts only once
    a second, different staff member confirmed it (then `ballot_id` names the ballot it became,
    with its receipt); a rejected entry stays, with its reason."""

    __tablename__ = "participation_paper_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("participation_process.id", ondelete="CASCADE"), index=True
    )
    station: Mapped[str] = mapped_column(String(100))
    choices: Mapped[list[int]] = mapped_column(JSON)
    # In a vote with voting codes: the key of the code handed in with the paper ballot (the
    # same key as the code's online ballot, so that a code votes once either way).
    voter_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # With budgets per district: the district whose ballot it is (it counts in that tally).
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_district.id", ondelete="CASCADE"), default=None
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    entered_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reason: Mapped[str] = mapped_column(String(500), default="")
    ballot_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_ballot.id", ondelete="SET NULL"), default=None
    )
