"""Signing documents as compact JWS (RFC 7515) with the municipality's Ed25519 key.

The algorithm is named `Ed25519` (RFC 9864, which replaces the polymorphic `EdDSA`). Public
keys are published as a JWK Set at `/.well-known/jwks.json` (every municipality's) and
`/{municipality}/.well-known/jwks.json`; a receipt's `kid` header names its key, so anyone can
check a receipt without asking us.

Checking is fast (a gate checks every ticket with `verify`, online for every scan and offline
on a gate device; the leisure benchmark asks for 10,000 a second on one core): the generic JWS
library parses the JWK into a key object for every check and goes through its registries,
which cost more than the signature itself. So the public keys of a JWK Set become key objects
once per process (`verifier`, with `cryptography` as the library uses), and a check is a
split, three decodes and the signature. It accepts exactly what the library's JWS check
accepts for our tokens — the algorithm we sign with, a kid of the set, no extensions —
which tests/core/signing/test_verify.py checks side by side with forged, truncated, foreign
and rotated tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import threading
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from smartcity.core import sealing
from smartcity.core.db import table_of
from smartcity.core.signing.models import SigningKey
from smartcity.core.tenancy.models import Municipality

ALGORITHM = "Ed25519"


class SignatureInvalid(ValueError):
    """The token is not a valid signature by one of the published keys."""


# The same key derivation and bound data as before core.sealing existed: stored keys open.
_SEALED_AS = {"purpose": "signing keys", "owner": "signing-key"}


def _seal(private_pem: bytes, server_secret: str) -> str:
    return sealing.seal(private_pem, server_secret, **_SEALED_AS)


def _unseal(sealed: str, server_secret: str) -> bytes:
    return sealing.unseal(sealed, server_secret, **_SEALED_AS)


# Built once: every receipt and decision is signed. Two columns rather than the entity (the
# private key is opened once per process, below), as a Core statement naming the
# municipality itself: the ORM's execution and tenant criterion cost as much as the query.
_KEYS = table_of(SigningKey)
_ACTIVE_KEY = (
    select(_KEYS.c.kid, _KEYS.c.private_key_sealed)
    .where(_KEYS.c.municipality_id == bindparam("municipality"), _KEYS.c.retired_at.is_(None))
    .order_by(_KEYS.c.id.desc())
    .limit(1)
)


def _active_key(db: Session, municipality: Municipality, server_secret: str) -> tuple[str, str]:
    """The kid and sealed private key of the municipality's current key, made on first use."""
    row = db.connection().execute(_ACTIVE_KEY, {"municipality": municipality.id}).first()
    if row is not None:
        return row.kid, row.private_key_sealed
    pair = OKPKey.generate_key("Ed25519")
    kid = f"{municipality.slug}-{secrets.token_hex(6)}"
    public = {**pair.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
    sealed = _seal(pair.as_pem(private=True), server_secret)
    db.add(
        SigningKey(
            municipality_id=municipality.id,
            kid=kid,
            public_jwk=public,
            private_key_sealed=sealed,
        )
    )
    db.flush()
    return kid, sealed


# Unsealed private keys by kid (and the secret that opened them): opening one costs a key
# derivation and a decryption, more than the signature itself.
_opened: dict[tuple[str, str], OKPKey] = {}


def _private(kid: str, sealed: str, server_secret: str) -> OKPKey:
    cache_key = (kid, hashlib.sha256(server_secret.encode()).hexdigest())
    opened = _opened.get(cache_key)
    if opened is None:
        opened = OKPKey.import_key(_unseal(sealed, server_secret))
        _opened[cache_key] = opened
    return opened


def sign(
    db: Session, municipality: Municipality, claims: dict[str, Any], server_secret: str
) -> str:
    """`claims` as a compact JWS signed with the municipality's key."""
    kid, sealed = _active_key(db, municipality, server_secret)
    private = _private(kid, sealed, server_secret)
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    header = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    return jws.serialize_compact(header, payload.encode(), private, algorithms=[ALGORITHM])


def key_set(db: Session, municipality: Municipality | None = None) -> dict[str, Any]:
    """The public keys as a JWK Set (one municipality's, or all)."""
    query = select(SigningKey.public_jwk).order_by(SigningKey.id)
    if municipality is not None:
        query = query.where(SigningKey.municipality_id == municipality.id)
    return {"keys": list(db.scalars(query))}


# base64url without padding, as JWS writes it.
_PART = re.compile(r"[A-Za-z0-9_-]*")
# Key sets seen lately (a municipality's, rarely more than two keys each); bounded.
_CACHE_SIZE = 64


def _decode(part: str) -> bytes:
    if not _PART.fullmatch(part) or len(part) % 4 == 1:
        raise SignatureInvalid("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, binascii.Error) as exc:
        raise SignatureInvalid("not base64url") from exc


class TokenVerifier:
    """The public keys of one JWK Set, ready to check compact JWS tokens signed with them."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for jwk in keys.get("keys", []):
            if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue
            kid, x = jwk.get("kid"), jwk.get("x")
            if not isinstance(kid, str) or not isinstance(x, str) or kid in self._keys:
                continue
            try:
                self._keys[kid] = Ed25519PublicKey.from_public_bytes(_decode(x))
            except (SignatureInvalid, ValueError):
                continue  # a malformed key verifies nothing

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of a token signed by one of the keys; SignatureInvalid otherwise."""
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise SignatureInvalid("not a compact JWS")
        header_part, payload_part, signature_part = parts
        try:
            header = json.loads(_decode(header_part))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise SignatureInvalid("not a compact JWS") from exc
        if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
            raise SignatureInvalid("unexpected algorithm")
        if "crit" in header or header.get("b64") is False:
            raise SignatureInvalid("extensions are not accepted")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise SignatureInvalid("no published key has this kid")
        try:
            key.verify(_decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
        except InvalidSignature as exc:
            raise SignatureInvalid("the signature does not match") from exc
        try:
            claims = json.loads(_decode(payload_part))
        except ValueError as exc:
            raise SignatureInvalid("the payload is not JSON") from exc
        if not isinstance(claims, dict):
            raise SignatureInvalid("the payload is not a JSON object")
        return claims


_verifiers: dict[tuple[tuple[str, str], ...], TokenVerifier] = {}
_verifiers_lock = threading.Lock()


def verifier(keys: dict[str, Any]) -> TokenVerifier:
    """The verifier of a JWK Set, made once per process for the same keys (a key rotation
    gives another set, and so another verifier)."""
    found = tuple(
        (str(k.get("kid")), str(k.get("x"))) for k in keys.get("keys", []) if isinstance(k, dict)
    )
    made = _verifiers.get(found)
    if made is None:
        made = TokenVerifier(keys)
        with _verifiers_lock:
            if len(_verifiers) >= _CACHE_SIZE:
                _verifiers.clear()
            _verifiers[found] = made
    return made


def verify(token: str, keys: dict[str, Any]) -> dict[str, Any]:
    """The claims of a token signed by one of `keys` (a JWK Set); SignatureInvalid otherwise
    (forged, truncated, another key's, another algorithm, extensions, claims not a JSON
    object). What a recipient of a receipt or a gate checking a ticket does, written down
    once; the key objects are made once per key set (`verifier`)."""
    return verifier(keys).claims(token)
