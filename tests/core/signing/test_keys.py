"""Each municipality signs with its own Ed25519 key; the public keys are published, the
private keys are kept sealed with the server secret."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient

from smartcity.core.signing import services as signing
from smartcity.core.signing.models import SigningKey
from tests.conftest import World

SECRET = "test-secret-" + "x" * 40


def test_each_municipality_has_its_own_key(world: World, client: TestClient) -> None:
    with world.tenant(world.dresden) as db:
        dresden_token = signing.sign(db, world.dresden, {"sub": "a"}, SECRET)
    with world.tenant(world.radebeul) as db:
        radebeul_token = signing.sign(db, world.radebeul, {"sub": "b"}, SECRET)
    dresden_keys = client.get("/dresden/.well-known/jwks.json").json()
    assert len(dresden_keys["keys"]) == 1
    assert dresden_keys["keys"][0]["kty"] == "OKP"
    assert dresden_keys["keys"][0]["crv"] == "Ed25519"
    assert "d" not in dresden_keys["keys"][0]
    assert signing.verify(dresden_token, dresden_keys) == {"sub": "a"}
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(radebeul_token, dresden_keys)  # not Dresden's signature
    everyone = client.get("/.well-known/jwks.json").json()
    assert signing.verify(radebeul_token, everyone) == {"sub": "b"}


def test_private_keys_are_sealed_with_the_server_secret(world: World) -> None:
    with world.tenant(world.dresden) as db:
        signing.sign(db, world.dresden, {"sub": "a"}, SECRET)
        key = db.query(SigningKey).one()
        assert "PRIVATE KEY" not in key.private_key_sealed
        with pytest.raises(InvalidTag):  # another server secret cannot open it
            signing.sign(db, world.dresden, {"sub": "a"}, "another-secret-" + "y" * 40)
