"""Checking a ticket's signature fast: at the gate, online for every scan and offline on a
gate device for every visitor (docs/leisure.md, "Tickets"; the benchmark asks for 10,000
tickets a second on one core).

A ticket token is a compact JWS signed by `core.signing` with the municipality's Ed25519
key: three base64url parts, the signature over the first two. The generic JWS library parses
the JWK into a key object for every check and goes through its registries, which cost more
than the signature itself; here the public keys of a JWK Set become key objects once
(`cryptography`, as the library uses), and a check is a split, three decodes and the
signature. It accepts exactly what `core.signing.verify` accepts for our tokens — the
algorithm it signs with, a kid of the set, no extensions it would not understand — which
tests/leisure/test_verification.py checks side by side with forged, truncated and
foreign tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smartcity.core.signing.services import ALGORITHM, SignatureInvalid

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
_lock = threading.Lock()


def verifier(keys: dict[str, Any]) -> TokenVerifier:
    """The verifier of a JWK Set, made once per process for the same keys (a key rotation
    gives another set, and so another verifier)."""
    found = tuple(
        (str(k.get("kid")), str(k.get("x"))) for k in keys.get("keys", []) if isinstance(k, dict)
    )
    made = _verifiers.get(found)
    if made is None:
        made = TokenVerifier(keys)
        with _lock:
            if len(_verifiers) >= _CACHE_SIZE:
                _verifiers.clear()
            _verifiers[found] = made
    return made
