"""A gate's ticket check (`tickets.verify`, core signing's fast check plus the ticket's
claims): real tickets of the municipality's key pass (also after a key rotation); forged,
truncated, re-signed, foreign and malformed tokens are refused alike. The check itself is
compared with the JWS library's in tests/core/signing/test_verify.py."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import OKPKey
from sqlalchemy import update

from smartcity.core.db import utcnow
from smartcity.core.signing import services as signing
from smartcity.core.signing.models import SigningKey
from smartcity.leisure import tickets
from tests.conftest import World
from tests.core.signing.test_verify import tampered_tokens
from tests.leisure.conftest import Pool, book, make_pool, ticket_tokens


def _outcome(keys: dict[str, Any], token: str) -> Any:
    try:
        return tickets.verify(token, keys)
    except signing.SignatureInvalid:
        return "refused"


def test_real_tickets_pass_and_tampered_ones_are_refused(world: World, pool: Pool) -> None:
    order = book(world, world.platform, pool.now_slot, {pool.products["adult"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    with world.tenant(world.dresden) as db:
        keys = signing.key_set(db, world.dresden)
    kid = keys["keys"][0]["kid"]
    stranger = OKPKey.generate_key("Ed25519")
    for name, candidate in tampered_tokens(token, stranger, kid).items():
        outcome = _outcome(keys, candidate)
        if name.startswith("real"):
            assert outcome["t"] == code, name
        else:
            assert outcome == "refused", name
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


def test_a_signed_token_that_is_no_ticket_is_refused(world: World) -> None:
    with world.tenant(world.dresden) as db:
        secret = world.platform.settings.require_secret_key()
        receipt = signing.sign(db, world.dresden, {"sub": "application 1"}, secret)
        keys = signing.key_set(db, world.dresden)
    assert signing.verify(receipt, keys) == {"sub": "application 1"}
    with pytest.raises(signing.SignatureInvalid):
        tickets.verify(receipt, keys)


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
