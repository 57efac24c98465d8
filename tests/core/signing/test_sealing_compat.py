"""Signing keys sealed before core.sealing existed still open: a city's stored keys survive."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from smartcity.core.signing.services import _unseal

SECRET = "a-server-secret-of-at-least-thirty-two-characters"


def test_a_key_sealed_the_old_way_opens() -> None:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"smartcity signing keys"
    ).derive(SECRET.encode())
    nonce = os.urandom(12)
    sealed = base64.b64encode(
        nonce + AESGCM(key).encrypt(nonce, b"private pem", b"signing-key")
    ).decode()
    assert _unseal(sealed, SECRET) == b"private pem"
