"""One retention job for every module, from the declarations: each declaration whose
retention class has a period (`Retention.days`, counted from `Retention.after`) has its due
rows deleted or anonymised; rows under a legal hold (and what belongs to them) are left
alone until the hold ends.

`plan` is the dry run: per declaration and municipality, how many rows are due. `apply`
takes the plan's moment and removes exactly those rows, in batches of primary keys read by
keyset pagination, each batch its own transaction: memory stays flat however many rows are
due, and no cursor is held open across writes. Every batch is recorded in the audit log with
counts only. Declarations whose period lives elsewhere (a case file's, per service) name
their module's job in `handled_by`; the module declares that job (`Module.retention_jobs`)
with a dry run of its own, so `plan` counts its rows too and `apply` has it remove exactly
what is due at the plan's moment."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, String, and_, func, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.audit.services import record
from smartcity.core.db import transaction, utcnow
from smartcity.core.modules import ERASE_ANONYMISE, ERASE_DELETE, Registry, RetentionJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality, TenantOwned
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.core.uploads import services as uploads
from smartcity.privacy.declarations import Declared
from smartcity.privacy.erasure import anonymise_rows, delete_rows
from smartcity.privacy.holds import held_rows

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Due:
    """One declaration's due rows in one municipality (None: instance-wide tables)."""

    module: str
    table: str
    columns: tuple[str, ...]
    retention: str
    action: str
    municipality_id: int | None
    rows: int
    held: int
    # The module's own retention job that removes these rows (None: this job, from the
    # declaration).
    job: str | None = None


@dataclass(frozen=True)
class OwnJobs:
    """The modules' own retention jobs (module name, job) and the platform they run on."""

    platform: Platform
    jobs: Sequence[tuple[str, RetentionJob]]


def own_jobs(platform: Platform, registry: Registry) -> OwnJobs:
    return OwnJobs(platform, [(m.name, job) for m in registry for job in m.retention_jobs])


@dataclass
class Plan:
    now: datetime
    # The one municipality planned for, or None: every municipality and the instance.
    only: int | None = None
    due: list[Due] = field(default_factory=list)
    # Declarations a module's own job applies that this plan could not count (the job is not
    # declared, or the plan was made without the jobs): (module, table, class, job).
    elsewhere: list[tuple[str, str, str, str]] = field(default_factory=list)

    def totals(self) -> dict[str, dict[str, int]]:
        """Rows per retention class and action, over every municipality."""
        totals: dict[str, dict[str, int]] = {}
        for due in self.due:
            if not due.rows:
                continue
            per_class = totals.setdefault(f"{due.table}: {due.retention}", {})
            per_class[due.action] = per_class.get(due.action, 0) + due.rows
        return totals


def _periodic(declarations: Sequence[Declared]) -> list[Declared]:
    return [
        d
        for d in declarations
        if d.data.retention.days is not None and d.data.retention.handled_by is None
    ]


def _condition(item: Declared, now: datetime) -> ColumnElement[bool]:
    retention = item.data.retention
    assert retention.days is not None
    assert retention.after is not None
    after = item.column(retention.after)
    due = and_(after.is_not(None), after <= now - timedelta(days=retention.days))
    if item.data.link is not None and item.data.link.where:
        due = and_(due, *(item.column(k) == v for k, v in item.data.link.where.items()))
    if retention.action == ERASE_ANONYMISE:
        # Rows anonymised before are not due again.
        pending = [
            and_(c.is_not(None), c != "") if isinstance(c.type, String) else c.is_not(None)
            for c in (item.column(n) for n in item.data.columns)
            if c.nullable or isinstance(c.type, String)
        ]
        if pending:
            due = and_(due, or_(*pending))
    return due


def _scopes(
    sessions: sessionmaker[Session], item: Declared | None, only: int | None
) -> list[Municipality | None]:
    """Where to apply a declaration (or, for None, a module's job of municipalities' rows):
    each municipality (or just `only`), or once for an instance-wide table (never when one
    municipality's officer runs it)."""
    if item is not None and not issubclass(item.model, TenantOwned):
        return [None] if only is None else []
    with transaction(sessions, **{SCOPE_KEY: SYSTEM}) as db:
        query = select(Municipality).order_by(Municipality.id)
        if only is not None:
            query = query.where(Municipality.id == only)
        municipalities = list(db.scalars(query))
        db.expunge_all()
    return list(municipalities)


def _job_scopes(
    sessions: sessionmaker[Session], job: RetentionJob, only: int | None
) -> list[Municipality | None]:
    if job.instance_wide:
        return [None] if only is None else []
    return _scopes(sessions, None, only)


def _session(sessions: sessionmaker[Session], municipality: Municipality | None) -> Any:
    scope = SYSTEM if municipality is None else scope_for(municipality)
    return transaction(sessions, **{SCOPE_KEY: scope})


def plan(
    sessions: sessionmaker[Session],
    declarations: Sequence[Declared],
    now: datetime | None = None,
    *,
    only: int | None = None,
    jobs: OwnJobs | None = None,
) -> Plan:
    """The dry run: what `apply` with this plan would delete or anonymise (in every
    municipality, or in `only`), by the declarations and by the modules' own `jobs`."""
    result = Plan(now or utcnow(), only)
    counted = {job.name for _, job in jobs.jobs} if jobs is not None else set()
    for item in declarations:
        handled_by = item.data.retention.handled_by
        if handled_by is not None and handled_by not in counted:
            result.elsewhere.append(
                (item.module, item.table, item.data.retention.label, handled_by)
            )
    if jobs is not None:
        for module, job in jobs.jobs:
            for municipality in _job_scopes(sessions, job, only):
                with _session(sessions, municipality) as db:
                    removals = job.plan(jobs.platform, db, result.now)
                result.due += [
                    Due(
                        module,
                        r.table,
                        (),
                        r.retention,
                        r.action,
                        None if municipality is None else municipality.id,
                        r.rows,
                        r.held,
                        job.name,
                    )
                    for r in removals
                    if r.rows or r.held
                ]
    for item in _periodic(declarations):
        for municipality in _scopes(sessions, item, only):
            with _session(sessions, municipality) as db:
                held = held_rows(db, declarations, result.now.date()).get(item.table, set())
                key = item.primary_key
                due = _condition(item, result.now)
                total = db.scalar(select(func.count()).select_from(item.model).where(due)) or 0
                blocked = 0
                if held and total:
                    blocked = (
                        db.scalar(
                            select(func.count())
                            .select_from(item.model)
                            .where(due, key.in_(sorted(held)))
                        )
                        or 0
                    )
            if total:
                result.due.append(
                    Due(
                        item.module,
                        item.table,
                        item.data.columns,
                        item.data.retention.label,
                        item.data.retention.action,
                        None if municipality is None else municipality.id,
                        total - blocked,
                        blocked,
                    )
                )
    return result


def apply(
    sessions: sessionmaker[Session],
    data_dir: Path,
    declarations: Sequence[Declared],
    announced: Plan,
    jobs: OwnJobs | None = None,
) -> dict[str, dict[str, int]]:
    """Delete or anonymise what `announced` said, counted from its moment, by the declarations
    and by the modules' own `jobs`; rows per retention class and action."""
    done: dict[str, dict[str, int]] = {}
    for item in _periodic(declarations):
        for municipality in _scopes(sessions, item, announced.only):
            count = 0
            for batch in _batches(sessions, municipality, declarations, item, announced.now):
                files: list[Path] = []
                with _session(sessions, municipality) as db:
                    if item.data.retention.action == ERASE_DELETE:
                        files = delete_rows(db, data_dir, item, batch)
                    else:
                        anonymise_rows(db, item, batch)
                    record(
                        db,
                        actor="system",
                        action=f"privacy.retention.{item.data.retention.action}",
                        resource_type="retention",
                        resource_id=item.table,
                        changes={"rows": len(batch), "retention": item.data.retention.label},
                    )
                uploads.unlink_all(files)
                count += len(batch)
            if count:
                per_class = done.setdefault(f"{item.table}: {item.data.retention.label}", {})
                action = item.data.retention.action
                per_class[action] = per_class.get(action, 0) + count
    if jobs is not None:
        for _module, job in jobs.jobs:
            for municipality in _job_scopes(sessions, job, announced.only):
                with _session(sessions, municipality) as db:
                    removed = job.apply(jobs.platform, db, announced.now)
                    if removed.removals:
                        record(
                            db,
                            actor="system",
                            action="privacy.retention.job",
                            resource_type="retention",
                            resource_id=job.name,
                            changes={
                                "rows": {
                                    f"{r.table}: {r.retention}": r.rows for r in removed.removals
                                }
                            },
                        )
                uploads.unlink_all(removed.files)
                for r in removed.removals:
                    per_class = done.setdefault(f"{r.table}: {r.retention}", {})
                    per_class[r.action] = per_class.get(r.action, 0) + r.rows
    if done:
        log.info("retention applied", extra={"rows": done})
    return done


def _batches(
    sessions: sessionmaker[Session],
    municipality: Municipality | None,
    declarations: Sequence[Declared],
    item: Declared,
    now: datetime,
) -> Iterator[set[Any]]:
    """The due rows' primary keys, a batch at a time, after the last key of the one before."""
    key = item.primary_key
    last: Any = None
    while True:
        with _session(sessions, municipality) as db:
            held = held_rows(db, declarations, now.date()).get(item.table, set())
            query = select(key).select_from(item.model).where(_condition(item, now))
            if held:
                query = query.where(not_(key.in_(sorted(held))))
            if last is not None:
                query = query.where(key > last)
            keys = list(db.scalars(query.order_by(key).limit(BATCH)))
        if not keys:
            return
        last = keys[-1]
        yield set(keys)
