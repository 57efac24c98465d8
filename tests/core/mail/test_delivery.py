"""Mail leaves through a real SMTP server (aiosmtpd here) or the local Maildir, after the
transaction that queued it; a server that is down delays it, nothing is lost."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from smartcity.core.db import utcnow
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.mail.services import deliver_pending, queue_mail
from tests.conftest import World, free_port


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.received.append(message)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _queue(world: World, to: str = "erika@example.org") -> None:
    with world.tenant(world.dresden) as db:
        queue_mail(db, to=to, subject="Eingangsbestätigung", body="Vorgangsnummer 7KQ4-M2XA-9RTD")


def test_mail_goes_through_smtp(world: World, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    world.platform.settings.mail_url = f"smtp://127.0.0.1:{port}?starttls=false"
    _queue(world)
    assert deliver_pending(world.platform) == 1
    (message,) = inbox.received
    assert message["To"] == "erika@example.org"
    assert str(make_header(decode_header(message["Subject"]))) == "Eingangsbestätigung"
    assert "7KQ4-M2XA-9RTD" in message.get_payload(decode=True).decode()
    assert deliver_pending(world.platform) == 0  # sent once


def test_a_server_that_is_down_delays_the_mail(
    world: World, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    world.platform.settings.mail_url = f"smtp://127.0.0.1:{free_port()}?starttls=false"
    _queue(world)
    assert deliver_pending(world.platform) == 0
    with world.tenant(world.dresden) as db:
        (mail,) = db.query(OutgoingMail).all()
        assert mail.attempts == 1
        assert mail.last_error == "ConnectionRefusedError"
        retry_at = mail.next_attempt_at
    world.platform.settings.mail_url = f"smtp://127.0.0.1:{port}?starttls=false"
    assert deliver_pending(world.platform) == 0  # not yet due
    assert deliver_pending(world.platform, retry_at + timedelta(seconds=1)) == 1
    assert len(inbox.received) == 1


def test_the_default_is_a_maildir_in_the_data_directory(world: World) -> None:
    _queue(world)
    deliver_pending(world.platform)
    box = mailbox.Maildir(Path(world.platform.settings.data_dir) / "mail", create=False)
    (message,) = list(box)
    assert str(make_header(decode_header(message["Subject"]))) == "Eingangsbestätigung"


def test_sent_mail_is_forgotten_after_a_week(world: World) -> None:
    _queue(world)
    deliver_pending(world.platform)
    deliver_pending(world.platform, utcnow() + timedelta(days=8))
    with world.tenant(world.dresden) as db:
        assert db.query(OutgoingMail).count() == 0
