"""Password policy of OWASP ASVS 5.0 level 2."""

from __future__ import annotations

import pytest

from smartcity.core.errors import InvalidInput
from smartcity.core.identity.passwords import PasswordHashing, check_policy, common_passwords


def test_short_passwords_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="policy") as raised:
        check_policy("kurz123")
    assert "at least 8" in raised.value.errors["password"]


def test_eight_characters_without_composition_rules_are_accepted() -> None:
    check_policy("elbwiese")  # only lower-case letters: fine, no composition rules


def test_long_passphrases_are_accepted() -> None:
    check_policy("Die Elbe fließt bei Dresden durch ein weites Tal, " * 2)  # > 64 chars


def test_absurdly_long_passwords_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        check_policy("x" * 129)


@pytest.mark.parametrize("password", ["password1", "PASSWORD1", "iloveyou", "passwort", "12345678"])
def test_common_passwords_are_rejected(password: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_policy(password)
    assert "common" in raised.value.errors["password"]


def test_shipped_list_has_at_least_3000_entries() -> None:
    assert len(common_passwords()) >= 3000


def test_password_equal_to_username_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        check_policy("anna.schmidt", username="Anna.Schmidt")


def test_hashes_are_argon2id_and_verify() -> None:
    hashing = PasswordHashing()
    hashed = hashing.hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hashing.verify(hashed, "correct horse battery staple")
    assert not hashing.verify(hashed, "correct horse battery stapler")
    assert not hashing.verify(None, "anything at all")


def test_parameters_below_the_owasp_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="OWASP"):
        PasswordHashing(memory_kib=8192, time_cost=1, parallelism=1)


def test_hash_with_older_parameters_is_flagged_for_upgrade() -> None:
    cheap = PasswordHashing(memory_kib=19456, time_cost=2, parallelism=1)
    strong = PasswordHashing()
    old_hash = cheap.hash("correct horse battery staple")
    assert strong.verify(old_hash, "correct horse battery staple")
    assert strong.needs_rehash(old_hash)
