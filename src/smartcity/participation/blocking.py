"""Blocked accounts and the word list that holds posts for review.

A moderator blocks the author of a contribution (the citizen login's subject is never shown,
the list names the public name the contribution carried): in this municipality the account
can no longer make proposals, support or comment. A municipality's word list holds a new
proposal or comment that contains a listed word (or phrase) for the moderation instead of
publishing it: held posts are filtered where hidden ones are (`services.visible_proposals`,
`services.comments`, `services.count_comments`), so they reach no page, API, map, feed,
export or open-data table until a moderator releases them. Everything is audited."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import nh3
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound, PermissionDenied
from smartcity.participation import attachments, services
from smartcity.participation.models import Block, Comment, HeldWord, Process, Proposal

MAX_WORDS = 500
MAX_WORD = 100


class Blocked(PermissionDenied):
    """The moderation blocked this citizen account in this municipality."""


def _subject_of(db: Session, target_type: str, target_id: int) -> tuple[str, str]:
    found = services.find_target(db, target_type, target_id)
    if found.author_subject is None:
        raise InvalidInput("This contribution has no citizen account to block.")
    return found.author_subject, found.public_name


def block(
    db: Session,
    target_type: str,
    target_id: int,
    *,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> Block:
    """Blocks the author of a proposal or comment (the reason is required, kept and
    audited); blocking an account that is blocked already keeps the first block."""
    if not reason.strip():
        raise InvalidInput(
            "Please give the reason for the block.",
            errors={"reason": "Please give the reason for the block."},
        )
    subject, public_name = _subject_of(db, target_type, target_id)
    existing = db.scalar(select(Block).where(Block.citizen_subject == subject))
    if existing is not None:
        return existing
    found = Block(
        citizen_subject=subject,
        public_name=public_name[:80],
        reason=reason.strip()[:500],
        blocked_by=actor[:200],
        created_at=now or utcnow(),
    )
    db.add(found)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.account.block",
        resource_type="participation_block",
        resource_id=found.id,
        changes={"contribution": f"{target_type}:{target_id}", "reason": found.reason},
    )
    return found


def unblock(db: Session, block_id: int, *, actor: str) -> None:
    found = db.get(Block, block_id)
    if found is None:
        raise NotFound("There is no such block.")
    audit.record(
        db,
        actor=actor,
        action="participation.account.unblock",
        resource_type="participation_block",
        resource_id=found.id,
        changes={"reason": found.reason},
    )
    db.delete(found)
    db.flush()


def blocks(db: Session) -> list[Block]:
    return list(db.scalars(select(Block).order_by(Block.created_at.desc(), Block.id.desc())))


def require_not_blocked(db: Session, citizen_subject: str) -> None:
    """Refuses a blocked account's proposal, support or comment (this municipality's block:
    the session's tenant scope narrows the query)."""
    if db.scalar(select(Block.id).where(Block.citizen_subject == citizen_subject)) is not None:
        raise Blocked(
            "Your account is blocked for contributions in this municipality's participation."
        )


# --- the word list ----------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Text as compared with the list: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def words(db: Session) -> list[str]:
    return list(db.scalars(select(HeldWord.word).order_by(HeldWord.word)))


def set_words(db: Session, lines: Iterable[str], *, actor: str) -> list[str]:
    """Replaces the municipality's word list (one word or phrase per line; empty lines and
    repeats dropped); the audit records what was added and removed."""
    given = list(dict.fromkeys(_fold(line) for line in lines if line.strip()))
    if len(given) > MAX_WORDS:
        raise InvalidInput(
            "The list can hold at most 500 words.",
            errors={"words": "The list can hold at most 500 words."},
        )
    if any(len(word) > MAX_WORD for word in given):
        raise InvalidInput(
            "A word or phrase can have at most 100 characters.",
            errors={"words": "A word or phrase can have at most 100 characters."},
        )
    before = words(db)
    added = sorted(set(given) - set(before))
    removed = sorted(set(before) - set(given))
    if not added and not removed:
        return before
    if removed:
        db.execute(delete(HeldWord).where(HeldWord.word.in_(removed)))
    for word in added:
        db.add(HeldWord(word=word))
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.words.set",
        resource_type="participation_held_word",
        resource_id="list",
        changes={"added": added, "removed": removed},
    )
    return words(db)


def listed_word(db: Session, *texts: str) -> str | None:
    """The first word of the list that occurs in `texts` as a whole word (so that "Ass" does
    not hold "Klasse"), or None."""
    return _first_word(words(db), *texts)


def _first_word(listed: Sequence[str], *texts: str) -> str | None:
    """`listed_word` for a word list the caller has read."""
    if not listed:
        return None
    folded = _fold(" ".join(texts))
    for word in listed:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            return word
    return None


def should_hold(db: Session, *texts: str) -> bool:
    return listed_word(db, *texts) is not None


# --- held posts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldItem:
    target_type: str
    target_id: int
    title: str
    text: str
    word: str
    public_name: str
    process_slug: str
    proposal_id: int
    # A held proposal's documents and images, for the moderators to see before they decide.
    files: tuple[attachments.Shown, ...] = ()


def held(db: Session) -> list[HeldItem]:
    """Posts held for review, oldest first, with the listed word that held them."""
    found: list[tuple[datetime, HeldItem]] = []
    proposals = list(db.scalars(select(Proposal).where(Proposal.held_at.is_not(None))))
    held_comments = list(db.scalars(select(Comment).where(Comment.held_at.is_not(None))))
    parents = {p.id: p for p in proposals}
    for comment in held_comments:
        if comment.proposal_id not in parents:
            parent = db.get(Proposal, comment.proposal_id)
            assert parent is not None
            parents[parent.id] = parent
    slugs = {p.id: p.slug for p in db.scalars(select(Process))}
    listed = words(db)  # read once for all held posts
    files = attachments.of_proposals(db, [p.id for p in proposals])
    for proposal in proposals:
        text = nh3.clean(proposal.body_html, tags=set())
        assert proposal.held_at is not None
        found.append(
            (
                proposal.held_at,
                HeldItem(
                    "proposal",
                    proposal.id,
                    proposal.title,
                    text,
                    _first_word(listed, proposal.title, text) or "",
                    proposal.public_name,
                    slugs[proposal.process_id],
                    proposal.id,
                    tuple(files.get(proposal.id, ())),
                ),
            )
        )
    for comment in held_comments:
        parent = parents[comment.proposal_id]
        assert comment.held_at is not None
        found.append(
            (
                comment.held_at,
                HeldItem(
                    "comment",
                    comment.id,
                    parent.title,
                    comment.body,
                    _first_word(listed, comment.body) or "",
                    comment.public_name,
                    slugs[parent.process_id],
                    parent.id,
                ),
            )
        )
    return [item for _, item in sorted(found, key=lambda pair: (pair[0], pair[1].target_id))]


def release(db: Session, target_type: str, target_id: int, *, actor: str) -> Proposal | Comment:
    """Publishes a held post (audited) and returns it: a released comment is news for the
    proposal's followers as any published comment (the caller mails them)."""
    try:
        target = services.find_target(db, target_type, target_id)
    except NotFound:
        target = None
    if target is None or target.held_at is None:
        raise NotFound("There is no such contribution held for review.")
    target.held_at = None
    audit.record(
        db,
        actor=actor,
        action="participation.moderation.release",
        resource_type=f"participation_{target_type}",
        resource_id=target_id,
    )
    return target
