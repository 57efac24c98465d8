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

# OWASP's floor for argon2id; the defaults in Settings are RFC 9106's "low memory" choice.
MIN_MEMORY_KIB = 19 * 1024
MIN_TIME_COST = 2


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


# What can be wrong with a new password: a code (pages say it in the reader's language) and
# the API's English wording.
POLICY_PROBLEMS = {
    "too_short": f"must be at least {MIN_LENGTH} characters long",
    "too_long": f"must be at most {MAX_LENGTH} characters long",
    "common": "is one of the most common passwords; choose another",
    "user_name": "must not be the user name",
}


def policy_problem(password: str, *, username: str | None = None) -> str | None:
    """The code of what the policy finds wrong with a new password (POLICY_PROBLEMS), or
    None when it may be used."""
    password = normalise(password)
    length = len(password)
    if length < MIN_LENGTH:
        return "too_short"
    if length > MAX_LENGTH:
        return "too_long"
    if password.lower() in common_passwords():
        return "common"
    if username and password.lower() == username.lower():
        return "user_name"
    return None


def check_policy(password: str, *, username: str | None = None) -> None:
    problem = policy_problem(password, username=username)
    if problem:
        raise InvalidInput(
            "The password does not meet the policy.", errors={"password": POLICY_PROBLEMS[problem]}
        )


@cache
def _timing_dummy(time_cost: int, memory_kib: int, parallelism: int) -> str:
    """A hash with the instance's parameters that no password matches; made once per process
    (a hash costs tens of milliseconds, and the tests make a platform per test)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    return hasher.hash("timing-equaliser-not-a-password")


class PasswordHashing:
    """argon2id with the instance's cost parameters. Hashes made with other parameters still
    verify and are upgraded at the next successful login."""

    def __init__(
        self, *, memory_kib: int = 65536, time_cost: int = 3, parallelism: int = 4
    ) -> None:
        if memory_kib < MIN_MEMORY_KIB or time_cost < MIN_TIME_COST or parallelism < 1:
            raise ValueError("argon2id parameters below the OWASP minimum (19 MiB, t=2, p=1)")
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        # Verified against when the user does not exist, so both paths take the same time.
        self._dummy = _timing_dummy(time_cost, memory_kib, parallelism)

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalise(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            matches = self._hasher.verify(password_hash or self._dummy, normalise(password))
        except (VerificationError, InvalidHashError):
            return False
        return matches and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
