"""Downloading the node list from the configured address: conditional (`If-None-Match` with
the ETag we have, else `If-Modified-Since`), only from public servers, and within a size and a
time limit, so that a broken or hostile server cannot fill memory or hold the job."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from smartcity.core.web.i18n import gettext_noop as _
from smartcity.wifi.nodelist import NodeListBroken
from smartcity.wifi.settings import WifiSettings


@dataclass(frozen=True)
class Fetched:
    # None: the server says the list has not changed (304).
    body: bytes | None
    etag: str
    last_modified: str


def check_address(url: str, settings: WifiSettings) -> None:
    """Refuse what is not http(s) or (unless allowed) not a public address (SSRF)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise NodeListBroken(_("The address of the node list is not an http(s) address."))
    if settings.allow_private_addresses:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443)
    except OSError:
        raise NodeListBroken(
            _("The server %(host)s of the node list is unknown."), host=parts.hostname
        ) from None
    for info in infos:
        if not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global:
            raise NodeListBroken(
                _("The server %(host)s is not a public address."), host=parts.hostname
            )


def download(
    url: str, settings: WifiSettings, *, etag: str = "", last_modified: str = ""
) -> Fetched:
    check_address(url, settings)
    headers = {"Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + settings.fetch_timeout_seconds
    try:
        with (
            httpx.Client(timeout=settings.fetch_timeout_seconds, follow_redirects=False) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return Fetched(None, etag, last_modified)
            if response.status_code != 200:
                raise NodeListBroken(
                    _("The server answered with status %(status)s."),
                    status=response.status_code,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > settings.max_list_bytes:
                raise _too_large(settings)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > settings.max_list_bytes:
                    raise _too_large(settings)
                if time.monotonic() > deadline:
                    raise _too_slow(settings)
            return Fetched(
                bytes(body),
                response.headers.get("etag", "")[:200],
                response.headers.get("last-modified", "")[:64],
            )
    except httpx.TimeoutException:
        raise _too_slow(settings) from None
    except httpx.HTTPError as exc:
        raise NodeListBroken(
            _("The server could not be reached (%(error)s)."), error=type(exc).__name__
        ) from None


def _too_large(settings: WifiSettings) -> NodeListBroken:
    return NodeListBroken(
        _("The node list is larger than %(limit)s bytes."), limit=settings.max_list_bytes
    )


def _too_slow(settings: WifiSettings) -> NodeListBroken:
    return NodeListBroken(
        _("The server did not deliver the node list within %(seconds)s seconds."),
        seconds=f"{settings.fetch_timeout_seconds:g}",
    )
