"""Unsubscribe links: a row's id and a code bound to the purpose, the municipality, the row
and what the module binds it to; only the exact link of a row finds that row."""

from __future__ import annotations

import hashlib
import hmac

from smartcity.core.mail import unsubscribe
from smartcity.core.tenancy.models import Municipality
from tests.conftest import World

SECRET = "s" * 40


def test_a_code_is_bound_to_purpose_municipality_row_and_what_the_module_adds() -> None:
    base = unsubscribe.code(SECRET, "follow", 1, 7, "anna")
    assert base != unsubscribe.code(SECRET, "council-follow", 1, 7, "anna")
    assert base != unsubscribe.code(SECRET, "follow", 2, 7, "anna")
    assert base != unsubscribe.code(SECRET, "follow", 1, 8, "anna")
    assert base != unsubscribe.code(SECRET, "follow", 1, 7, "bert")
    assert base != unsubscribe.code("t" * 40, "follow", 1, 7, "anna")
    # The links already sent (participation's following since 0.3) keep their form.
    message = b"follow|1|7|anna"
    assert base == hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()[:32]
    assert unsubscribe.token(SECRET, "follow", 1, 7, "anna") == f"7-{base}"


def test_only_the_rows_own_link_finds_it(world: World) -> None:
    with world.tenant(world.dresden) as db:
        row = db.get(Municipality, world.dresden.id)
        assert row is not None

        def code_of(found: Municipality) -> str:
            return unsubscribe.code(SECRET, "test", found.id, found.id)

        good = unsubscribe.token(SECRET, "test", row.id, row.id)
        assert unsubscribe.find(db, Municipality, good, code_of) is row
        number, _, given = good.partition("-")
        for bad in (
            f"{int(number) + 1}-{given}",  # another row with this row's code
            f"{number}-{given[:-1]}x",
            f"{number}-",
            given,
            "٣-" + given,  # digits of another script are no id
            "9" * 13 + "-" + given,
            "",
        ):
            assert unsubscribe.find(db, Municipality, bad, code_of) is None, bad
