"""Group commit for Observations.

Producers (HTTP requests, the MQTT consumer) submit validated rows and wait until they are
committed. One flusher per process writes everything that queued up while the previous write
ran, in batches of at most `max_batch` rows: under light load every row is written at once,
under heavy load batches grow and the per-commit cost is shared. Memory is bounded: once
`max_pending` rows wait, producers wait too (HTTP requests take longer, MQTT messages stay
unacknowledged at the broker) instead of the queue growing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import Counter, Histogram

from smartcity.core.errors import ServiceUnavailable
from smartcity.sensorthings.ingest.rows import NewObservation
from smartcity.sensorthings.ingest.store import ObservationStore, RowsRejected
from smartcity.sensorthings.ingest.targets import TargetCache

log = logging.getLogger(__name__)

STORED = Counter("smartcity_ingest_observations_stored_total", "Observations committed")
BATCH_ROWS = Histogram(
    "smartcity_ingest_batch_rows",
    "Observations per committed batch",
    buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000),
)
FLUSH_SECONDS = Histogram(
    "smartcity_ingest_flush_seconds",
    "Time to write and commit one batch",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
REFUSED = Counter(
    "smartcity_ingest_observations_refused_total",
    "Observations the database refused after they had been accepted (e.g. Datastream deleted)",
)
WRITE_FAILURES = Counter(
    "smartcity_ingest_write_failures_total", "Batches that could not be written", ["reason"]
)

Listener = Callable[[Sequence[NewObservation]], None]
# Awaited before each batch: lets what follows the writes (notifications) hold writing up
# while it falls behind.
Throttle = Callable[[], Awaitable[None]]


class Submit(Protocol):
    """`IngestPipeline.submit`, for producers that need nothing else of the pipeline."""

    async def __call__(
        self, observations: list[NewObservation], *, persistent: bool = False
    ) -> list[int | None]: ...


@dataclass
class _Submission:
    observations: list[NewObservation]
    future: asyncio.Future[list[int | None]]
    # Retried until stored (MQTT: the broker keeps the message until then) instead of
    # failing the caller (HTTP: the client sees 503 and may retry).
    persistent: bool
    attempts: int = field(default=0)
    # Answered and counted off `pending` (`_finish`): never queued or answered again.
    finished: bool = field(default=False)


class IngestPipeline:
    def __init__(
        self,
        store: ObservationStore,
        targets: TargetCache,
        *,
        max_batch: int = 5000,
        max_pending: int = 50_000,
        max_backoff: float = 5.0,
    ) -> None:
        self.store = store
        self.targets = targets
        self.max_batch = max_batch
        self.max_pending = max_pending
        self.max_backoff = max_backoff
        self.listeners: list[Listener] = []
        self.throttles: list[Throttle] = []
        self._queue: deque[_Submission] = deque()
        self._pending = 0
        self._wakeup: asyncio.Event | None = None
        self._space: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self.stored = 0  # committed by this process since it started

    @property
    def pending(self) -> int:
        return self._pending

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._space = asyncio.Condition()
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="ingest-flusher")

    async def _ensure_running(self) -> None:
        # Started lazily in the loop that uses it: an app driven without its lifespan (a
        # test client) still ingests, and a new loop gets a new flusher.
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._queue.clear()
            self._pending = 0
            await self.start()

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        self._stopping = True
        if self._wakeup is not None:
            self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def submit(
        self, observations: list[NewObservation], *, persistent: bool = False
    ) -> list[int | None]:
        """Queue the rows and wait until they are committed; returns their ids (None for a
        row the database refused, e.g. because its Datastream was deleted meanwhile)."""
        if not observations:
            return []
        if self._stopping:
            raise ServiceUnavailable("The server is shutting down; please retry.")
        await self._ensure_running()
        assert self._wakeup is not None
        assert self._space is not None
        async with self._space:
            await self._space.wait_for(
                lambda: self._pending == 0 or self._pending + len(observations) <= self.max_pending
            )
            future: asyncio.Future[list[int | None]] = asyncio.get_running_loop().create_future()
            self._queue.append(_Submission(observations, future, persistent))
            self._pending += len(observations)
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        assert self._wakeup is not None
        backoff = 0.0
        while True:
            if not self._queue:
                if self._stopping:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            for throttle in list(self.throttles):
                try:
                    await throttle()
                except Exception:
                    log.exception("an ingestion throttle failed")
            batch = self._take()
            try:
                ok = await self._flush(batch)
            except Exception:
                # Whatever went wrong, the flusher must live on: were it to end, every
                # waiting writer (and every MQTT message not yet acknowledged) would wait
                # forever. What is not finished is queued again (persistent) or refused.
                log.exception("ingestion flush failed")
                WRITE_FAILURES.labels("unexpected").inc()
                await self._requeue_or_refuse(batch)
                ok = False
            if ok:
                backoff = 0.0
            else:
                backoff = min(self.max_backoff, max(0.1, backoff * 2))
                await asyncio.sleep(backoff)

    def _take(self) -> list[_Submission]:
        batch: list[_Submission] = []
        rows = 0
        while self._queue and (
            not batch or rows + len(self._queue[0].observations) <= self.max_batch
        ):
            submission = self._queue.popleft()
            if submission.future.cancelled() and not submission.persistent:
                # The HTTP client went away before anything was written: drop silently.
                self._pending -= len(submission.observations)
                continue
            batch.append(submission)
            rows += len(submission.observations)
        return batch

    async def _flush(self, batch: list[_Submission]) -> bool:
        """Write a batch; False when the database failed and the caller should back off."""
        if not batch:
            return True
        rows = [o for submission in batch for o in submission.observations]
        started = time.perf_counter()
        try:
            ids = await asyncio.to_thread(self.store.write, rows)
        except RowsRejected:
            WRITE_FAILURES.labels("integrity").inc()
            # A Datastream or FeatureOfInterest went away since it was cached.
            self.targets.clear()
            await self._isolate(batch)
            return True
        except Exception as exc:
            WRITE_FAILURES.labels("database").inc()
            log.warning("writing observations failed", extra={"error": type(exc).__name__})
            await self._requeue_or_refuse(batch)
            return False
        FLUSH_SECONDS.observe(time.perf_counter() - started)
        BATCH_ROWS.observe(len(rows))
        STORED.inc(len(rows))
        self.stored += len(rows)
        offset = 0
        for submission in batch:
            count = len(submission.observations)
            await self._finish(submission, result=list(ids[offset : offset + count]))
            offset += count
        for listener in self.listeners:
            try:
                listener(rows)
            except Exception:
                log.exception("an ingestion listener failed")
        return True

    async def _requeue_or_refuse(self, batch: list[_Submission]) -> None:
        """After a failed write: queue what is not finished again, in front and in order
        (persistent), or answer that the database is not available."""
        for submission in reversed(batch):
            if submission.finished:
                continue  # a crash after part of the batch was answered
            if submission.persistent:
                self._queue.appendleft(submission)
            else:
                await self._finish(
                    submission,
                    error=ServiceUnavailable(
                        "The database is not available; please retry.", retry_after=2
                    ),
                )

    async def _isolate(self, batch: list[_Submission]) -> None:
        """After the database refused a batch (a Datastream vanished, a value it cannot
        store), write each submission on its own, and a refused one row by row, so that one
        bad row holds up nothing else. Refused rows get None instead of an id."""
        for submission in batch:
            try:
                try:
                    ids: list[int | None] = list(
                        await asyncio.to_thread(self.store.write, submission.observations)
                    )
                except RowsRejected:
                    ids = [await self._write_alone(o) for o in submission.observations]
            except Exception:
                if submission.persistent:
                    self._queue.appendleft(submission)
                else:
                    await self._finish(
                        submission,
                        error=ServiceUnavailable("The database is not available; please retry."),
                    )
                continue
            written = [o for o, new_id in zip(submission.observations, ids, strict=True) if new_id]
            STORED.inc(len(written))
            self.stored += len(written)
            await self._finish(submission, result=ids)
            for listener in self.listeners:
                with contextlib.suppress(Exception):
                    listener(written)

    async def _write_alone(self, observation: NewObservation) -> int | None:
        """One row on its own, committed. A database failure here is waited out (rows before
        it are committed already: giving up now would store them twice on a retry)."""
        delay = 0.1
        while True:
            try:
                (new_id,) = await asyncio.to_thread(self.store.write, [observation])
            except RowsRejected:
                REFUSED.inc()
                return None
            except Exception as exc:
                if self._stopping:
                    raise
                WRITE_FAILURES.labels("database").inc()
                log.warning("writing a row failed; retrying", extra={"error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(self.max_backoff, delay * 2)
                continue
            return new_id

    async def _finish(
        self,
        submission: _Submission,
        *,
        result: list[int | None] | None = None,
        error: Exception | None = None,
    ) -> None:
        assert self._space is not None
        submission.finished = True
        if not submission.future.done():
            if error is not None:
                submission.future.set_exception(error)
            else:
                submission.future.set_result(result or [])
        async with self._space:
            self._pending -= len(submission.observations)
            self._space.notify_all()
