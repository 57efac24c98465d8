"""Writing and verifying the audit chain.

Each entry's hash covers its content and the previous entry's hash, so changing, deleting or
reordering any entry breaks the chain from that point on. Entries are written in the same
transaction as the change they describe.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from smartcity.core.audit.models import INSTANCE_CHAIN, AuditChainHead, AuditEntry
from smartcity.core.db import table_of, utcnow
from smartcity.core.tenancy.scope import TenantScope, scope_of

GENESIS_HASH = "0" * 64
# Each municipality's log is spread over this many chains, chosen by the audited resource, so
# that appends for different cases do not wait for each other's commit (every append locks
# its chain's head row until the transaction ends). One resource stays in one chain, so its
# entries keep their order.
SHARDS = 16
REDACTED = "[personal data]"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def summarize_changes(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    personal: Iterable[str] = (),
) -> dict[str, Any]:
    """Old and new values of the fields that changed; personal fields only say *that* they did."""
    personal_fields = set(personal)
    old = old or {}
    new = new or {}
    summary: dict[str, Any] = {}
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key in personal_fields:
            summary[key] = {"changed": True, "value": REDACTED}
        else:
            summary[key] = {"old": _jsonable(before), "new": _jsonable(after)}
    return summary


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(entry: AuditEntry | Mapping[str, Any]) -> str:
    """The hash of an entry (a stored one, or the column values of one about to be)."""
    fields = entry if isinstance(entry, Mapping) else {n: getattr(entry, n) for n in _HASHED}
    payload = {name: fields[name] for name in _HASHED}
    payload["created_at"] = _timestamp(fields["created_at"])
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_HASHED = (
    "chain_id",
    "seq",
    "municipality_id",
    "created_at",
    "actor",
    "action",
    "resource_type",
    "resource_id",
    "changes",
    "request_id",
    "prev_hash",
)


@dataclass(frozen=True)
class Appended:
    """Where an entry went: its id, chain and place in the chain."""

    id: int
    chain_id: int
    seq: int
    entry_hash: str


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: object,
    changes: Mapping[str, Any] | None = None,
    municipality_id: int | None = None,
) -> Appended:
    """Append an entry to the chain of the session's municipality (or the instance chain),
    written at once in the session's transaction."""
    scope = scope_of(session)
    if isinstance(scope, TenantScope):
        if municipality_id not in (None, scope.municipality_id):
            raise ValueError("audit entry for another municipality than the session's")
        municipality_id = scope.municipality_id
    chain_id = chain_of(municipality_id, resource_type, resource_id)
    # Core statements, not the unit of work: every audited write of the platform appends, and
    # flushing an entry and its head through the ORM cost more than the rest of the append.
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD, {"chain_id": chain_id}).one_or_none()
    values: dict[str, Any] = {
        "municipality_id": municipality_id,
        "chain_id": chain_id,
        "seq": head.seq + 1 if head else 1,
        "created_at": utcnow(),
        "actor": actor,
        "action": action,
        "resource_type": resource_type,
        "resource_id": str(resource_id),
        "changes": dict(changes or {}),
        "request_id": request_id_var.get(),
        "prev_hash": head.entry_hash if head else GENESIS_HASH,
    }
    values["entry_hash"] = compute_hash(values)
    entry_id = connection.execute(_APPEND, values).scalar_one()
    moved = {"seq": values["seq"], "entry_hash": values["entry_hash"]}
    if head:
        connection.execute(_MOVE_HEAD, {"head": chain_id, **moved})
    else:
        connection.execute(_NEW_HEAD, {"chain_id": chain_id, **moved})
    return Appended(entry_id, chain_id, values["seq"], values["entry_hash"])


def chain_of(municipality_id: int | None, resource_type: str, resource_id: object) -> int:
    """The chain of an entry: 0 for the instance; for a municipality m, shard 0 is chain m
    (where all entries went before the log was sharded) and shard k > 0 is chain −(m·SHARDS+k)."""
    if municipality_id is None:
        return INSTANCE_CHAIN
    shard = zlib.crc32(f"{resource_type}:{resource_id}".encode()) % SHARDS
    return municipality_id if shard == 0 else -(municipality_id * SHARDS + shard)


def chains_of(municipality_id: int) -> list[int]:
    return [municipality_id] + [-(municipality_id * SHARDS + k) for k in range(1, SHARDS)]


# FOR UPDATE serialises appenders of one chain on PostgreSQL; SQLite serialises all writers
# already (BEGIN IMMEDIATE). Built once: every audited write runs them.
_HEADS = table_of(AuditChainHead)
_ENTRIES = table_of(AuditEntry)
_LOCK_HEAD = (
    select(_HEADS.c.seq, _HEADS.c.entry_hash)
    .where(_HEADS.c.chain_id == bindparam("chain_id"))
    .with_for_update()
)
_APPEND = insert(_ENTRIES).returning(_ENTRIES.c.id)
_NEW_HEAD = insert(_HEADS)
# Executed with seq and entry_hash: the SET clause takes them by name.
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.chain_id == bindparam("head"))


@dataclass(frozen=True)
class ChainProblem:
    chain_id: int
    entry_id: int | None
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"entry id {self.entry_id}" if self.entry_id is not None else "entry"
        return f"chain {self.chain_id}, {where} (seq {self.seq}): {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    chains: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session, *, municipality_id: int | None = None) -> VerifyResult:
    """Walk every chain (or a municipality's) and report the first entry that was changed,
    removed or moved."""
    query = select(AuditEntry).order_by(AuditEntry.chain_id, AuditEntry.seq)
    heads = {head.chain_id: head for head in session.scalars(select(AuditChainHead))}
    if municipality_id is not None:
        chains = chains_of(municipality_id)
        query = query.where(AuditEntry.chain_id.in_(chains))
        heads = {k: v for k, v in heads.items() if k in chains}
    count = 0
    last: dict[int, tuple[int, str]] = {}
    for problem, entry in _walk(session.scalars(query.execution_options(yield_per=1000))):
        count += 1
        if problem is not None:
            return VerifyResult(count, len(last) + 1, problem)
        last[entry.chain_id] = (entry.seq, entry.entry_hash)
    for head_chain, head in sorted(heads.items()):
        seq, entry_hash = last.get(head_chain, (0, GENESIS_HASH))
        if head.seq != seq or head.entry_hash != entry_hash:
            reason = f"entries after seq {seq} were removed (the chain head is at seq {head.seq})"
            problem = ChainProblem(head_chain, None, seq + 1, reason)
            return VerifyResult(count, len(last), problem)
    return VerifyResult(count, len(set(last) | set(heads)), None)


def _walk(entries: Iterable[AuditEntry]) -> Iterator[tuple[ChainProblem | None, AuditEntry]]:
    current_chain: int | None = None
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for entry in entries:
        if entry.chain_id != current_chain:
            current_chain, expected_seq, prev_hash = entry.chain_id, 1, GENESIS_HASH
        problem = None
        if entry.seq != expected_seq:
            problem = ChainProblem(
                entry.chain_id,
                entry.id,
                entry.seq,
                f"expected seq {expected_seq}: an entry before it was removed or reordered",
            )
        elif entry.prev_hash != prev_hash:
            problem = ChainProblem(
                entry.chain_id,
                entry.id,
                entry.seq,
                "link to the previous entry is broken (previous entry changed or reordered)",
            )
        elif compute_hash(entry) != entry.entry_hash:
            problem = ChainProblem(
                entry.chain_id, entry.id, entry.seq, "content was modified after it was written"
            )
        yield problem, entry
        if problem is not None:
            return
        expected_seq += 1
        prev_hash = entry.entry_hash
