"""Following a proposal: a signed-in citizen opts in to e-mails about it — a new comment, an
official answer, the administration's review — at the confirmed address of the citizen login
(no second opt-in needed: the login's provider confirmed it). Every mail carries a link that
ends the following without signing in: `<id>-<HMAC of the id with the server secret>`, the
same in every mail (so an old mail's link still works), nothing of it stored.

Mails go out in the follower's language (the page's language when they followed), never to
the person who caused the event, and never contain another citizen's identity: comments are
named by their public names only."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput
from smartcity.core.mail import unsubscribe
from smartcity.core.mail.services import queue_mail
from smartcity.participation.models import Follow, Process, Proposal
from smartcity.participation.services import upsert

EVENTS = ("comment", "answer", "review")


def _code(secret: str, found: Follow) -> str:
    return unsubscribe.code(
        secret, "follow", found.municipality_id, found.id, found.citizen_subject
    )


def token_of(secret: str, found: Follow) -> str:
    return unsubscribe.token(
        secret, "follow", found.municipality_id, found.id, found.citizen_subject
    )


def follow(
    db: Session, proposal: Proposal, *, citizen_subject: str, email: str | None, language: str
) -> None:
    """Starts (or keeps) following; refused without a confirmed e-mail address."""
    if not email:
        raise InvalidInput(
            "Your citizen account has no confirmed e-mail address, so we cannot send you "
            "news about this proposal."
        )
    db.execute(
        upsert(db, Follow)
        .values(
            municipality_id=proposal.municipality_id,
            proposal_id=proposal.id,
            citizen_subject=citizen_subject,
            email=email[:320],
            language="en" if language == "en" else "de",
        )
        .on_conflict_do_update(
            index_elements=["proposal_id", "citizen_subject"],
            set_={"email": email[:320], "language": "en" if language == "en" else "de"},
        )
    )


def unfollow(db: Session, proposal: Proposal, *, citizen_subject: str) -> None:
    db.execute(
        delete(Follow).where(
            Follow.proposal_id == proposal.id, Follow.citizen_subject == citizen_subject
        )
    )


def following(db: Session, proposal: Proposal, citizen_subject: str | None) -> bool:
    if citizen_subject is None:
        return False
    return (
        db.scalar(
            select(Follow.id).where(
                Follow.proposal_id == proposal.id, Follow.citizen_subject == citizen_subject
            )
        )
        is not None
    )


def by_token(db: Session, token: str, *, secret: str) -> Follow | None:
    """The following an unsubscribe link names (None: already ended, never existed, or a
    link that was not ours)."""
    return unsubscribe.find(db, Follow, token, lambda found: _code(secret, found))


def end(db: Session, found: Follow) -> None:
    db.delete(found)


SUBJECTS = {
    "comment": ("Neuer Kommentar zu „{title}“", "New comment on “{title}”"),
    "answer": ("Antwort der Verwaltung zu „{title}“", "The administration answered on “{title}”"),
    "review": ("„{title}“ wurde geprüft", "“{title}” has been reviewed"),
}
OPENINGS = {
    "comment": (
        "{name} hat den Vorschlag „{title}“ kommentiert, dem Sie folgen.",
        "{name} commented on the proposal “{title}”, which you follow.",
    ),
    "answer": (
        "Die Verwaltung hat auf den Vorschlag „{title}“ geantwortet, dem Sie folgen.",
        "The administration answered on the proposal “{title}”, which you follow.",
    ),
    "review": (
        "Die Verwaltung hat den Vorschlag „{title}“ geprüft, dem Sie folgen.",
        "The administration reviewed the proposal “{title}”, which you follow.",
    ),
}


def notify(
    db: Session,
    process: Process,
    proposal: Proposal,
    event: str,
    *,
    base_url: str,
    municipality_slug: str,
    secret: str,
    by_subject: str | None = None,
    by_name: str = "",
) -> int:
    """Queues one mail per follower (not to `by_subject`, who caused it); returns how many."""
    assert event in EVENTS
    page = f"{base_url}/{municipality_slug}/beteiligung/{process.slug}/vorschlaege/{proposal.id}"
    sent = 0
    for found in db.scalars(select(Follow).where(Follow.proposal_id == proposal.id)):
        if by_subject is not None and found.citizen_subject == by_subject:
            continue
        stop = f"{base_url}/{municipality_slug}/beteiligung/abbestellen/{token_of(secret, found)}"
        english = found.language == "en"
        index = 1 if english else 0
        # A title is one line in the mail's subject header (a line break there would fail).
        title = " ".join(proposal.title.split())
        subject = SUBJECTS[event][index].format(title=title)
        opening = OPENINGS[event][index].format(title=title, name=by_name or "—")
        if english:
            body = (
                f"{opening}\n\nRead it here:\n{page}\n\n"
                f"You receive this mail because you follow the proposal. To stop:\n{stop}\n"
            )
        else:
            body = (
                f"{opening}\n\nHier lesen Sie mehr:\n{page}\n\n"
                "Sie erhalten diese E-Mail, weil Sie dem Vorschlag folgen. "
                f"Abbestellen:\n{stop}\n"
            )
        queue_mail(db, to=found.email, subject=subject, body=body)
        sent += 1
    return sent
