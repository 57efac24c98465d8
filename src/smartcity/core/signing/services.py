"""Signing documents as compact JWS (RFC 7515) with the municipality's Ed25519 key.

The algorithm is named `Ed25519` (RFC 9864, which replaces the polymorphic `EdDSA`). Public
keys are published as a JWK Set at `/.well-known/jwks.json` (every municipality's) and
`/{municipality}/.well-known/jwks.json`; a receipt's `kid` header names its key, so anyone can
check a receipt without asking us.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
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


def verify(token: str, keys: dict[str, Any]) -> dict[str, Any]:
    """The claims of a token signed by one of `keys` (a JWK Set); SignatureInvalid otherwise.
    What a recipient of a receipt does, written down once for our tests and tools."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as exc:
        raise SignatureInvalid("not a compact JWS") from exc
    if header.get("alg") != ALGORITHM:
        raise SignatureInvalid(f"unexpected algorithm {header.get('alg')!r}")
    matching = [k for k in keys.get("keys", []) if k.get("kid") == header.get("kid")]
    if not matching:
        raise SignatureInvalid("no published key has this kid")
    public = OKPKey.import_key(matching[0])
    try:
        verified = jws.deserialize_compact(token, public, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as exc:
        raise SignatureInvalid("the signature does not match") from exc
    claims: dict[str, Any] = json.loads(verified.payload)
    return claims
