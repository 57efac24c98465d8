"""Domain events reach other modules after commit, never after rollback."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from smartcity.core.events import DomainEvent, EventBus
from tests.conftest import World


@dataclass(frozen=True, kw_only=True)
class LampFailed(DomainEvent):
    lamp_id: int


@dataclass(frozen=True, kw_only=True)
class UrgentLampFailed(LampFailed):
    pass


def test_events_are_delivered_after_commit(world: World) -> None:
    bus = EventBus()
    received: list[LampFailed] = []
    bus.subscribe(LampFailed, received.append)
    with world.tenant(world.dresden) as db:
        bus.raise_in(db, LampFailed(municipality_id=world.dresden.id, actor="system", lamp_id=7))
        assert received == []  # not before the transaction is committed
    assert [event.lamp_id for event in received] == [7]
    assert received[0].occurred_at.tzinfo is not None


def test_events_of_a_rolled_back_transaction_are_dropped(world: World) -> None:
    bus = EventBus()
    received: list[LampFailed] = []
    bus.subscribe(LampFailed, received.append)
    event = LampFailed(municipality_id=world.dresden.id, actor="x", lamp_id=1)

    def failing_change() -> None:
        with world.tenant(world.dresden) as db:
            bus.raise_in(db, event)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert received == []


def test_subscribers_of_a_base_class_receive_subclasses() -> None:
    bus = EventBus()
    received: list[DomainEvent] = []
    bus.subscribe(DomainEvent, received.append)
    bus.publish(UrgentLampFailed(municipality_id=1, actor="x", lamp_id=3))
    assert len(received) == 1


def test_a_failing_handler_does_not_stop_the_others() -> None:
    bus = EventBus()
    received: list[LampFailed] = []

    def broken(_event: LampFailed) -> None:
        raise ValueError("bug in another module")

    bus.subscribe(LampFailed, broken)
    bus.subscribe(LampFailed, received.append)
    bus.publish(LampFailed(municipality_id=1, actor="x", lamp_id=3))
    assert len(received) == 1
