"""In-process event bus with typed domain events.

Modules react to each other (a lamp fault opens a repair case) by subscribing to event
classes, never by importing each other's internals. Events raised inside a transaction are
delivered after it commits, so a handler never sees a change that was rolled back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "pending_events"
# Session.info key of the platform's bus (the platform's session factory puts it there), for
# services that raise events without being handed the bus.
BUS_KEY = "event_bus"


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of all events: when it happened, in which municipality, and who caused it."""

    municipality_id: int | None
    actor: str
    occurred_at: datetime = field(default_factory=utcnow)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[event_type].append(handler)

    def publish(self, event: DomainEvent) -> None:
        """Deliver now to every handler of the event's class and its base classes.

        A failing handler is logged and does not stop the others: one module's bug must not
        break another module's flow.
        """
        for event_type in type(event).__mro__:
            for handler in self._handlers.get(event_type, ()):
                try:
                    handler(event)
                except Exception:
                    log.exception(
                        "event handler failed",
                        extra={"event": type(event).__name__, "handler": repr(handler)},
                    )

    def raise_in(self, session: Session, event: DomainEvent) -> None:
        """Queue an event in a session; it is published once the transaction commits."""
        session.info.setdefault(PENDING_KEY, []).append((self, event))


def raise_in(session: Session, event: DomainEvent) -> bool:
    """Queue an event on the bus of the session's platform, published after the commit.
    False when the session has none (made outside a platform): nobody is listening."""
    bus = session.info.get(BUS_KEY)
    if not isinstance(bus, EventBus):
        return False
    bus.raise_in(session, event)
    return True


@sa_event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    for bus, queued in pending:
        bus.publish(queued)


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
