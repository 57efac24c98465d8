"""`signing.verify`, the fast check every caller gets (receipts, decisions, a gate's tickets),
accepts exactly the tokens the JWS library's check accepts: real tokens of the
municipality's key (also after a key rotation), and refuses forged, truncated, re-signed,
foreign and malformed tokens alike."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from sqlalchemy import update

from smartcity.core.db import utcnow
from smartcity.core.signing import services as signing
from smartcity.core.signing.models import SigningKey
from tests.conftest import World

SECRET = "test-secret-" + "x" * 40


def _library_check(token: str, keys: dict[str, Any]) -> dict[str, Any]:
    """The reference: the JWS library's compact check (what `signing.verify` did before it
    was made fast)."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as exc:
        raise signing.SignatureInvalid("not a compact JWS") from exc
    if header.get("alg") != signing.ALGORITHM:
        raise signing.SignatureInvalid("unexpected algorithm")
    matching = [k for k in keys.get("keys", []) if k.get("kid") == header.get("kid")]
    if not matching:
        raise signing.SignatureInvalid("no published key has this kid")
    try:
        verified = jws.deserialize_compact(
            token, OKPKey.import_key(matching[0]), algorithms=[signing.ALGORITHM]
        )
    except (JoseError, ValueError) as exc:
        raise signing.SignatureInvalid("the signature does not match") from exc
    claims: dict[str, Any] = json.loads(verified.payload)
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _outcome(check: Any, token: str) -> Any:
    try:
        return check(token)
    except signing.SignatureInvalid:
        return "refused"


def tampered_tokens(token: str, foreign: OKPKey, kid: str) -> dict[str, str]:
    """`token` as it is ("real…") and forged, truncated, re-signed and malformed, by name
    (also used by the leisure tests for ticket tokens)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = _b64(json.dumps({**claims, "n": 40}).encode())
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    resigned = jws.serialize_compact(
        {"alg": "Ed25519", "kid": kid, "typ": "JWT"},
        json.dumps(claims).encode(),
        foreign,
        algorithms=["Ed25519"],
    )
    none_alg = _b64(json.dumps({"alg": "none", "kid": kid}).encode())
    crit = _b64(json.dumps({"alg": "Ed25519", "kid": kid, "crit": ["exp"]}).encode())
    return {
        "real": token,
        "real with spaces": f"  {token}\n",
        "payload changed": f"{header}.{other}.{signature}",
        "signature changed": f"{header}.{payload}.{flipped}",
        "truncated": token[: len(token) // 2],
        "no signature": f"{header}.{payload}.",
        "two parts": f"{header}.{payload}",
        "four parts": f"{token}.{signature}",
        "signed by a stranger with our kid": resigned,
        "alg none": f"{none_alg}.{payload}.",
        "critical extension": f"{crit}.{payload}.{signature}",
        "not base64": f"{header}.{payload}.!!!!",
        "padded": f"{header}.{payload}.{signature}==",
        "not ascii": f"{header}.{payload}.{signature[:-1]}ä",
        "empty": "",
        "garbage": "a.b.c",
    }


def test_the_fast_check_agrees_with_the_jws_librarys_check(world: World) -> None:
    with world.tenant(world.dresden) as db:
        token = signing.sign(db, world.dresden, {"t": "ABCDEFGHIJKLMNOP", "n": 1}, SECRET)
        keys = signing.key_set(db, world.dresden)
    kid = keys["keys"][0]["kid"]
    stranger = OKPKey.generate_key("Ed25519")
    for name, candidate in tampered_tokens(token, stranger, kid).items():
        expected = _outcome(lambda t: _library_check(t.strip(), keys), candidate)
        assert _outcome(lambda t: signing.verify(t, keys), candidate) == expected, name
        if name.startswith("real"):
            assert expected == {"t": "ABCDEFGHIJKLMNOP", "n": 1}
        else:
            assert expected == "refused", name
    # Radebeul's key set knows nothing of Dresden's tokens.
    with world.tenant(world.radebeul) as db:
        signing.sign(db, world.radebeul, {"sub": "b"}, SECRET)
        theirs = signing.key_set(db, world.radebeul)
    assert theirs["keys"]
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(token, theirs)
    with pytest.raises(signing.SignatureInvalid):
        _library_check(token, theirs)


def test_every_caller_shares_the_key_objects_of_a_key_set(world: World) -> None:
    with world.tenant(world.dresden) as db:
        signing.sign(db, world.dresden, {"sub": "a"}, SECRET)
        keys = signing.key_set(db, world.dresden)
    assert signing.verifier(keys) is signing.verifier(json.loads(json.dumps(keys)))


def test_tokens_signed_before_a_key_rotation_stay_valid(world: World) -> None:
    with world.tenant(world.dresden) as db:
        old = signing.sign(db, world.dresden, {"sub": "old"}, SECRET)
        before = signing.key_set(db, world.dresden)
        # Rotation: the key is retired (it stays published); the next token gets a new one.
        db.execute(update(SigningKey).values(retired_at=utcnow()))
    with world.tenant(world.dresden) as db:
        new = signing.sign(db, world.dresden, {"sub": "new"}, SECRET)
        after = signing.key_set(db, world.dresden)
    assert len(after["keys"]) == len(before["keys"]) + 1
    assert signing.verify(old, after) == _library_check(old, after) == {"sub": "old"}
    assert signing.verify(new, after) == _library_check(new, after) == {"sub": "new"}
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(new, before)
    with pytest.raises(signing.SignatureInvalid):
        _library_check(new, before)
