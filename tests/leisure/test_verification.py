"""The gate's fast signature check accepts exactly the tickets the platform's JWS check
accepts: real tickets of the municipality's key (also after a key rotation), and refuses
forged, truncated, re-signed, foreign and malformed tokens alike."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import update

from smartcity.core.db import utcnow
from smartcity.core.signing import services as signing
from smartcity.core.signing.models import SigningKey
from smartcity.leisure import tickets, verification
from tests.conftest import World
from tests.leisure.conftest import Pool, book, make_pool, ticket_tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _outcome(check: Any, token: str) -> Any:
    try:
        return check(token)
    except signing.SignatureInvalid:
        return "refused"


def _tampered(token: str, foreign: OKPKey, kid: str) -> dict[str, str]:
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


def test_the_fast_check_agrees_with_the_platforms_jws_check(world: World, pool: Pool) -> None:
    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    with world.tenant(world.dresden) as db:
        keys = signing.key_set(db, world.dresden)
    kid = keys["keys"][0]["kid"]
    stranger = OKPKey.generate_key("Ed25519")
    fast = verification.verifier(keys)
    for name, candidate in _tampered(token, stranger, kid).items():
        expected = _outcome(lambda t: signing.verify(t.strip(), keys), candidate)
        assert _outcome(fast.claims, candidate) == expected, name
        if name.startswith("real"):
            assert expected["t"] == code
        else:
            assert expected == "refused", name
    # Radebeul's key set knows nothing of Dresden's tickets.
    radebeul = make_pool(world, world.radebeul)
    book(
        world,
        world.platform,
        radebeul.now_slot,
        {radebeul.products["adult"]: 1},
        municipality=world.radebeul,
    )
    with world.tenant(world.radebeul) as db:
        theirs = signing.key_set(db, world.radebeul)
    assert theirs["keys"]
    with pytest.raises(signing.SignatureInvalid):
        tickets.verify(token, theirs)


def test_tickets_signed_before_a_key_rotation_stay_valid(world: World, pool: Pool) -> None:
    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, old)] = ticket_tokens(world, order)
    with world.tenant(world.dresden) as db:
        before = signing.key_set(db, world.dresden)
        # Rotation: the key is retired (it stays published); the next ticket gets a new one.
        db.execute(update(SigningKey).values(retired_at=utcnow()))
    newer = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, new)] = ticket_tokens(world, newer)
    with world.tenant(world.dresden) as db:
        after = signing.key_set(db, world.dresden)
    assert len(after["keys"]) == len(before["keys"]) + 1
    assert tickets.verify(old, after)["t"]
    assert tickets.verify(new, after)["t"]
    with pytest.raises(signing.SignatureInvalid):
        tickets.verify(new, before)
