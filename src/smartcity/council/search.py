"""Full-text search over the council's papers and the texts of their files (and of the
meetings' documents), and the text extraction from uploaded PDFs that feeds it.

PostgreSQL searches with the German text-search configuration (stemming: "Schulen" finds
"Schule") over GIN expression indexes (migration council0003); SQLite searches an FTS5 table
kept by triggers, each word as a prefix. Both apply the same visibility as OParl: what the
public may not see is never a hit (the confidential search of the back office is for
councillors and the council office).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import Session

from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.council.models import AgendaItem, CouncilFile, Meeting, Paper
from smartcity.council.oparl import KINDS

log = logging.getLogger(__name__)

# What extraction reads of a PDF (a budget plan has hundreds of pages; search needs words).
MAX_PAGES = 500
MAX_CHARS = 2_000_000
MAX_QUERY = 200
MAX_HITS = 50
SNIPPET = 160
# Must be the expressions of the indexes (council0003), or PostgreSQL scans.
PAPER_MATCH = (
    "to_tsvector('german'::regconfig, council_paper.reference || ' ' || council_paper.name)"
    " @@ websearch_to_tsquery('german'::regconfig, :query)"
)
FILE_MATCH = (
    "to_tsvector('german'::regconfig, council_file.name || ' ' || council_file.text)"
    " @@ websearch_to_tsquery('german'::regconfig, :query)"
)
WORD = re.compile(r"\w+", re.UNICODE)


def extract_text(data: bytes) -> str:
    """The text of a PDF, for search and OParl's `text`; "" when it has none (a scan) or
    cannot be read. Whitespace is folded, NUL characters (which PostgreSQL refuses) dropped."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return ""
        parts: list[str] = []
        size = 0
        for page in reader.pages[:MAX_PAGES]:
            found = page.extract_text() or ""
            parts.append(found)
            size += len(found)
            if size >= MAX_CHARS:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        log.info("no text extracted from a council file", extra={"error": type(exc).__name__})
        return ""
    joined = " ".join(" ".join(parts).replace("\x00", " ").split())
    return joined[:MAX_CHARS]


@dataclass
class Hit:
    """A paper, or a meeting whose documents matched, with the matching files."""

    kind: str  # "paper" or "meeting"
    id: int
    title: str
    reference: str = ""
    day: date | None = None
    files: list[tuple[CouncilFile, str]] = field(default_factory=list)  # (file, snippet)


def words(query: str) -> list[str]:
    return WORD.findall(query.lower())[:20]


def _fts_query(query: str) -> str:
    """FTS5 syntax from a person's words: each a quoted prefix, all required."""
    return " ".join(f'"{word}"*' for word in words(query))


def snippet(body: str, query: str) -> str:
    """Some text around the first word of the query found in the body (plain text)."""
    lowered = body.lower()
    positions = [lowered.find(word) for word in words(query)]
    found = min((p for p in positions if p >= 0), default=0)
    start = max(0, found - SNIPPET // 3)
    cut = body[start : start + SNIPPET]
    return ("…" if start else "") + cut + ("…" if start + SNIPPET < len(body) else "")


def search(db: Session, query: str, *, confidential: bool = False) -> list[Hit]:
    """Papers and meetings matching `query` (in a paper's reference or title, or in the name
    or text of one of its files), best first; with `confidential`, non-public ones too."""
    query = query.strip()[:MAX_QUERY]
    if not words(query):
        return []
    paper_ok: ColumnElement[bool] = (
        Paper.deleted.is_(False) if confidential else KINDS["paper"].listed()
    )
    file_ok: ColumnElement[bool] = (
        CouncilFile.deleted.is_(False) if confidential else KINDS["file"].listed()
    )
    if db.get_bind().dialect.name == "postgresql":
        papers = list(
            db.scalars(
                select(Paper)
                .where(paper_ok, text(PAPER_MATCH).bindparams(query=query))
                .order_by(Paper.date.desc(), Paper.id.desc())
                .limit(MAX_HITS)
            )
        )
        files = list(
            db.scalars(
                select(CouncilFile)
                .where(file_ok, text(FILE_MATCH).bindparams(query=query))
                .order_by(CouncilFile.id.desc())
                .limit(MAX_HITS * 3)
            )
        )
    else:
        matched = db.execute(
            text(
                "SELECT rowid FROM council_fts WHERE council_fts MATCH :query "
                "AND municipality_id = :municipality ORDER BY rank LIMIT :limit"
            ),
            {"query": _fts_query(query), "municipality": _municipality(db), "limit": 1000},
        ).scalars()
        rowids = list(matched)
        paper_ids = [r // 2 for r in rowids if r % 2 == 0]
        file_ids = [r // 2 for r in rowids if r % 2 == 1]
        papers = (
            list(
                db.scalars(
                    select(Paper)
                    .where(Paper.id.in_(paper_ids), paper_ok)
                    .order_by(Paper.date.desc(), Paper.id.desc())
                    .limit(MAX_HITS)
                )
            )
            if paper_ids
            else []
        )
        files = (
            list(
                db.scalars(
                    select(CouncilFile)
                    .where(CouncilFile.id.in_(file_ids), file_ok)
                    .order_by(CouncilFile.id.desc())
                    .limit(MAX_HITS * 3)
                )
            )
            if file_ids
            else []
        )
    return _hits(db, query, papers, files, paper_ok)


def _municipality(db: Session) -> int:
    scope = db.info.get(SCOPE_KEY)
    municipality = getattr(scope, "municipality_id", None)
    if not isinstance(municipality, int):
        raise LookupError("council search needs a municipality's session")
    return municipality


def _hits(
    db: Session,
    query: str,
    papers: list[Paper],
    files: list[CouncilFile],
    paper_ok: ColumnElement[bool],
) -> list[Hit]:
    hits: dict[tuple[str, int], Hit] = {}
    for paper in papers:
        hits[("paper", paper.id)] = Hit("paper", paper.id, paper.name, paper.reference, paper.date)
    # Files found: under their paper (if the paper may be shown) or their meeting.
    file_papers = {f.paper_id for f in files if f.paper_id} - {p.id for p in papers}
    more = (
        {p.id: p for p in db.scalars(select(Paper).where(Paper.id.in_(file_papers), paper_ok))}
        if file_papers
        else {}
    )
    item_ids = {f.agenda_item_id for f in files if f.agenda_item_id}
    item_meeting = (
        dict(
            db.execute(
                select(AgendaItem.id, AgendaItem.meeting_id).where(AgendaItem.id.in_(item_ids))
            ).all()
        )
        if item_ids
        else {}
    )
    meeting_ids = {f.meeting_id for f in files if f.meeting_id} | set(item_meeting.values())
    meetings = (
        {
            m.id: m
            for m in db.scalars(
                select(Meeting).where(Meeting.id.in_(meeting_ids), Meeting.deleted.is_(False))
            )
        }
        if meeting_ids
        else {}
    )
    for row in files:
        key: tuple[str, int] | None = None
        if row.paper_id:
            if ("paper", row.paper_id) not in hits and row.paper_id in more:
                paper = more[row.paper_id]
                hits[("paper", paper.id)] = Hit(
                    "paper", paper.id, paper.name, paper.reference, paper.date
                )
            key = ("paper", row.paper_id)
        else:
            meeting_id = row.meeting_id or item_meeting.get(row.agenda_item_id or 0)
            if meeting_id in meetings:
                meeting = meetings[meeting_id]
                key = ("meeting", meeting.id)
                hits.setdefault(
                    key, Hit("meeting", meeting.id, meeting.name, "", meeting.start.date())
                )
        if key in hits:
            hits[key].files.append((row, snippet(row.text or row.name, query)))
    ordered = sorted(hits.values(), key=lambda h: (h.day or date.min, h.id), reverse=True)
    return ordered[:MAX_HITS]
