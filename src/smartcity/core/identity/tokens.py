"""Random tokens and their digests, shared by sessions, API keys and OIDC state."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough to store it, as nobody can guess the input."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keyed_digest(secret: str, value: str) -> str:
    """Pseudonymise a low-entropy value (user name, IP address) with the server secret."""
    return hmac.new(secret.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()
