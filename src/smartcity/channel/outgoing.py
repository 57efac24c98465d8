"""Requests to other servers (fetching actors, delivering activities), safe by default: only
https to public addresses, so that a crafted actor URL cannot make us reach the city's
internal network (SSRF). `SMARTCITY_CHANNEL_ALLOW_PRIVATE_ADDRESSES` lifts that for tests."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

from smartcity.channel import signatures
from smartcity.channel.settings import ChannelSettings

ACTIVITY_JSON = "application/activity+json"
ACCEPT = f'{ACTIVITY_JSON}, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_DOCUMENT_BYTES = 1_000_000


class RemoteError(Exception):
    """A remote server could not be asked, or answered nonsense."""


def check_url(url: str, settings: ChannelSettings) -> str:
    """The URL's host, if we may contact it; RemoteError otherwise."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise RemoteError("not an http(s) URL")
    if settings.allow_private_addresses:
        return parts.netloc
    if parts.scheme != "https":
        raise RemoteError("only https servers are contacted")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError as exc:
        raise RemoteError(f"cannot resolve {parts.hostname}") from exc
    for address in addresses:
        if not ipaddress.ip_address(str(address).split("%")[0]).is_global:
            raise RemoteError(f"{parts.hostname} is not a public address")
    return parts.netloc


def fetch_json(
    url: str, key_id: str, key: rsa.RSAPrivateKey, settings: ChannelSettings
) -> dict[str, Any]:
    """GET an ActivityPub document, signed (servers in authorized-fetch mode require it)."""
    check_url(url, settings)
    headers = {"accept": ACCEPT, **signatures.sign("GET", url, key_id, key)}
    try:
        with (
            httpx.Client(timeout=settings.delivery_timeout_seconds) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise RemoteError(f"{url} answered {response.status_code}")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise RemoteError("document too large")
    except httpx.HTTPError as exc:
        raise RemoteError(f"{url}: {type(exc).__name__}") from exc
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RemoteError("not JSON") from exc
    if not isinstance(document, dict):
        raise RemoteError("not a JSON object")
    return document
