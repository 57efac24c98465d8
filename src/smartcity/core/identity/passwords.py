"""Password hashing (argon2id) and the password policy of OWASP ASVS 5.0 level 2:
at least 8 characters, at least 64 allowed, no composition rules, common passwords rejected."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from smartcity.core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the RFC 9106 "low memory" parameters
# Verified against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_policy(password: str, *, username: str | None = None) -> None:
    password = normalise(password)
    length = len(password)
    problem = None
    if length < MIN_LENGTH:
        problem = f"must be at least {MIN_LENGTH} characters long"
    elif length > MAX_LENGTH:
        problem = f"must be at most {MAX_LENGTH} characters long"
    elif password.lower() in common_passwords():
        problem = "is one of the most common passwords; choose another"
    elif username and password.lower() == username.lower():
        problem = "must not be the user name"
    if problem:
        raise InvalidInput("The password does not meet the policy.", errors={"password": problem})


def hash_password(password: str) -> str:
    return _hasher.hash(normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, normalise(password)) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
