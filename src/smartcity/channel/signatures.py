"""HTTP Signatures as Mastodon uses them (draft-cavage-http-signatures-12, `rsa-sha256`, with
a `Digest` header on bodies): every delivery and fetch we make is signed with the channel's
key, every inbox POST we accept carries a valid signature.

Written on `cryptography` (already a dependency): the maintained libraries for the draft
(bovine) pin an older `cryptography` than the platform's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Mastodon refuses signatures whose Date is more than 12 hours off; so do we.
MAX_SKEW = timedelta(hours=12)
_PARAM = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(ValueError):
    """The request is not signed, or not validly."""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes


def new_key_pair() -> tuple[str, bytes]:
    """A 2048-bit RSA key pair (the size Mastodon makes): public PEM, private PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return public.decode(), private


def load_private(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("not an RSA key")
    return key


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def digest_matches(header: str, body: bytes) -> bool:
    """Whether a `Digest` header (RFC 3230) carries the body's SHA-256. The algorithm token
    is case-insensitive: Mastodon sends `SHA-256=`, bovine and others `sha-256=`."""
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    values = [item.strip().partition("=") for item in header.split(",")]
    sha256 = [value for algorithm, _, value in values if algorithm.lower() == "sha-256"]
    return bool(sha256) and all(value == expected for value in sha256)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _signing_string(
    method: str, target: str, headers: Mapping[str, str], names: tuple[str, ...]
) -> bytes:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
            continue
        value = headers.get(name)
        if value is None:
            raise SignatureError(f"signed header {name} missing")
        lines.append(f"{name}: {value.strip()}")
    return "\n".join(lines).encode()


def sign(
    method: str,
    url: str,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    body: bytes | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign a request: Host, Date, Digest (with a body) and Signature."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc, "date": http_date(now or datetime.now(UTC))}
    names: tuple[str, ...] = ("(request-target)", "host", "date")
    if body is not None:
        headers["digest"] = digest(body)
        names += ("digest",)
    signed = private_key.sign(
        _signing_string(method, target, headers, names), padding.PKCS1v15(), hashes.SHA256()
    )
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signed).decode()}"'
    )
    return headers


def parse(header: str | None) -> ParsedSignature:
    if not header:
        raise SignatureError("no Signature header")
    params = dict(_PARAM.findall(header))
    if "keyId" not in params or "signature" not in params:
        raise SignatureError("Signature header without keyId or signature")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureError("signature is not base64") from exc
    names = tuple(params.get("headers", "date").lower().split())
    return ParsedSignature(params["keyId"], params.get("algorithm", "rsa-sha256"), names, signature)


def verify(
    parsed: ParsedSignature,
    public_key_pem: str,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime | None = None,
) -> None:
    """Raise SignatureError unless the request is signed by the key: the signed headers must
    cover the target, host and date (and the digest of a body, which must match)."""
    required = {"(request-target)", "host", "date"} | ({"digest"} if body is not None else set())
    if not required <= set(parsed.headers):
        raise SignatureError("the signature must cover " + ", ".join(sorted(required)))
    if parsed.algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"algorithm {parsed.algorithm} not supported")
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        sent = parsedate_to_datetime(lowered.get("date", ""))
    except (TypeError, ValueError) as exc:
        raise SignatureError("Date header unreadable") from exc
    if abs((now or datetime.now(UTC)) - sent) > MAX_SKEW:
        raise SignatureError("Date header too far from now")
    if body is not None and not digest_matches(lowered.get("digest", ""), body):
        raise SignatureError("Digest does not match the body")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("only RSA keys are supported")
    try:
        key.verify(
            parsed.signature,
            _signing_string(method, target, lowered, parsed.headers),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify") from exc
