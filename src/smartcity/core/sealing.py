"""Secrets the server must read back (TOTP seeds, the municipalities' signing keys), sealed
with AES-256-GCM under a key derived from the server secret, so a copy of the database alone
does not reveal them. The
purpose and the owner are bound as associated data: a sealed value moved to another row or
use does not open."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _key(server_secret: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"smartcity {purpose}".encode()
    ).derive(server_secret.encode())


def seal(value: bytes, server_secret: str, *, purpose: str, owner: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(server_secret, purpose)).encrypt(nonce, value, owner.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, server_secret: str, *, purpose: str, owner: str) -> bytes:
    """The value; `cryptography.exceptions.InvalidTag` if it was sealed otherwise."""
    raw = base64.b64decode(sealed)
    return AESGCM(_key(server_secret, purpose)).decrypt(raw[:12], raw[12:], owner.encode())
