"""Where mail goes: an SMTP server (`smtp://`, `smtps://`), or a local Maildir (`maildir://`,
and the default: `<data dir>/mail`), which the demo uses and `smartcity mail` reads."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from smartcity.core.settings import Settings

SMTP_TIMEOUT = 20


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # "ssl" (smtps), "starttls" or "none"

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        with client:
            if self.tls == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


@dataclass(frozen=True)
class MaildirTransport:
    path: Path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=True)
        for sub in ("tmp", "new", "cur"):  # a directory made by hand may lack them
            (self.path / sub).mkdir(exist_ok=True)
        box.add(message)


def transport_for(settings: Settings) -> Transport:
    url = settings.mail_url
    if not url:
        return MaildirTransport(settings.data_dir / "mail")
    parts = urlsplit(url)
    if parts.scheme == "maildir":
        return MaildirTransport(Path(unquote(parts.path)))
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        tls = "ssl"
    elif options.get("starttls", ["true"])[0].lower() in ("0", "false", "no"):
        tls = "none"
    else:
        tls = "starttls"
    return SmtpTransport(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if tls == "ssl" else 587),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )
