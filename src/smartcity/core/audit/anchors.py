"""Checkpoints of the audit chains, kept where the database cannot rewrite them.

The hash chain shows a changed entry only while the chain after it is left alone. Someone who
can write the database (a rogue administrator, a stolen backup restored with changes) can
delete the newest entries and move the head back, delete a whole chain with its head, or
rewrite an entry and recompute every later hash: plain SHA-256 needs no secret. A checkpoint
records every chain's head — its length and newest hash — at one moment, with an HMAC keyed by
the server's secret (which is not in the database), and is appended to a file outside the
database and written to the log (for syslog or a central log store). `smartcity audit verify`
then checks the database against the newest checkpoint: each chain it names must still hold
the entry at that position with that hash.

What is written after the newest checkpoint is protected by the chain alone: the job writes one
every `CHECKPOINT_SECONDS`, and `smartcity audit anchor` writes one on demand (after an
import, before a backup).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from smartcity.core.audit.models import AuditChainHead, AuditEntry
from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

log = logging.getLogger("smartcity.audit.anchor")

CHECKPOINT_SECONDS = 900
_KEY_LABEL = b"smartcity audit checkpoint v1"


def checkpoint_key(secret: str) -> bytes:
    """A key of its own for checkpoints, derived from the server's secret."""
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    # chain id → (seq, entry hash) of its newest entry
    chains: dict[int, tuple[int, str]]

    def payload(self) -> str:
        chains = {str(chain): [seq, digest] for chain, (seq, digest) in sorted(self.chains.items())}
        return json.dumps({"at": self.at.isoformat(), "chains": chains}, sort_keys=True)

    def line(self, key: bytes) -> str:
        mac = hmac.new(key, self.payload().encode(), hashlib.sha256).hexdigest()
        return json.dumps({"checkpoint": json.loads(self.payload()), "mac": mac}, sort_keys=True)


class AnchorFileBroken(Exception):
    """The checkpoint file was changed: a line's MAC does not match, or it goes backwards."""


def current(session: Session) -> Checkpoint:
    heads = session.execute(
        select(AuditChainHead.chain_id, AuditChainHead.seq, AuditChainHead.entry_hash)
    )
    return Checkpoint(utcnow(), {chain: (seq, digest) for chain, seq, digest in heads})


def _newest_chains(path: Path) -> dict[str, Any] | None:
    """The chains of the file's last line, read from its end (the file only grows)."""
    if not path.exists():
        return None
    with path.open("rb") as source:
        end = source.seek(0, os.SEEK_END)
        tail, position = b"", end
        while position > 0 and tail.count(b"\n") < 2:
            position = max(0, position - 65536)
            source.seek(position)
            tail = source.read(end - position)
    lines = tail.strip().splitlines()
    try:
        chains: dict[str, Any] = json.loads(lines[-1])["checkpoint"]["chains"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    return chains


def append(
    session: Session, path: Path, secret: str, *, only_if_changed: bool = False
) -> Checkpoint | None:
    """Write a checkpoint of every chain now: a line in `path` (flushed to disk) and a log
    record with the line's digest. With `only_if_changed`, nothing is written (None) while
    no chain has grown since the newest line — the periodic job's case, so that a quiet
    instance does not add a line of every chain every 15 minutes."""
    checkpoint = current(session)
    if only_if_changed:
        written = json.loads(checkpoint.payload())["chains"]
        if written == _newest_chains(path):
            return None
    line = checkpoint.line(checkpoint_key(secret))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Append-only by our own use; the operator can make it so for everyone (chattr +a).
    with path.open("a", encoding="utf-8") as target:
        target.write(line + "\n")
        target.flush()
        os.fsync(target.fileno())
    log.info(
        "audit checkpoint",
        extra={
            "chains": len(checkpoint.chains),
            "checkpoint_sha256": hashlib.sha256(line.encode()).hexdigest(),
        },
    )
    return checkpoint


def read(path: Path, secret: str) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; AnchorFileBroken if a line was changed or a
    chain got shorter from one checkpoint to the next."""
    key = checkpoint_key(secret)
    found: list[Checkpoint] = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
            body = record["checkpoint"]
            checkpoint = Checkpoint(
                datetime.fromisoformat(body["at"]),
                {int(c): (int(s), str(h)) for c, (s, h) in body["chains"].items()},
            )
            mac = str(record["mac"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorFileBroken(f"line {number} is not a checkpoint ({exc})") from None
        expected = hmac.new(key, checkpoint.payload().encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            raise AnchorFileBroken(
                f"line {number}: the checkpoint's MAC does not match (changed, or another "
                "secret key)"
            )
        if found:
            for chain, (seq, _) in found[-1].chains.items():
                if checkpoint.chains.get(chain, (0, ""))[0] < seq:
                    raise AnchorFileBroken(f"line {number}: chain {chain} is shorter than before")
        found.append(checkpoint)
    return found


def check(session: Session, checkpoint: Checkpoint) -> list[str]:
    """What the database lost or changed since `checkpoint`: one sentence per chain."""
    problems = []
    heads: dict[int, int] = dict(
        session.execute(select(AuditChainHead.chain_id, AuditChainHead.seq)).all()
    )
    positions = sorted((chain, seq) for chain, (seq, _) in checkpoint.chains.items())
    hashes: dict[tuple[int, int], str] = {}
    for start in range(0, len(positions), 500):  # one query per 500 chains, not one per chain
        chunk = positions[start : start + 500]
        found = session.execute(
            select(AuditEntry.chain_id, AuditEntry.seq, AuditEntry.entry_hash).where(
                tuple_(AuditEntry.chain_id, AuditEntry.seq).in_(chunk)
            )
        )
        hashes.update({(chain, seq): digest for chain, seq, digest in found})
    for chain, (seq, digest) in sorted(checkpoint.chains.items()):
        stored = hashes.get((chain, seq))
        if stored is None:
            what = "the chain is gone" if chain not in heads else f"entry seq {seq} is gone"
            problems.append(f"chain {chain}: {what} (the checkpoint had {seq} entries)")
        elif not hmac.compare_digest(stored, digest):
            problems.append(
                f"chain {chain}: entry seq {seq} differs from the checkpoint (rewritten)"
            )
        elif heads.get(chain, 0) < seq:
            problems.append(f"chain {chain}: its head was moved back before seq {seq}")
    return problems


def _write(platform: Platform) -> None:
    write_checkpoint(platform, only_if_changed=True)


def write_checkpoint(platform: Platform, *, only_if_changed: bool = False) -> Checkpoint | None:
    settings = platform.settings
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        return append(
            db,
            settings.effective_audit_checkpoint_file,
            settings.require_secret_key(),
            only_if_changed=only_if_changed,
        )


CHECKPOINTS = PeriodicJob("audit.checkpoint", CHECKPOINT_SECONDS, _write, at_start=True)
