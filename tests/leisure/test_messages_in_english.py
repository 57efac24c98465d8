"""The services' messages in the reader's language: a buyer reading the portal in English is
told in English what is wrong with the booking (too few places, no ticket, an unknown voucher
code), one reading it in German in German, and the refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from smartcity.leisure.models import Slot
from tests.conftest import World
from tests.leisure.conftest import make_pool
from tests.web.conftest import Browser, main_text


def test_booking_messages_follow_the_page_language(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    pool = make_pool(world, world.dresden, hall_slots=2)
    adult = pool.products["adult"]
    path = f"/dresden/freizeit/{pool.slug}/buchen/{pool.later_slot}"
    english, german = Browser(new_client()), Browser(new_client())
    assert english.get(f"{path}?lang=en").status_code == 200
    assert german.get(f"{path}?lang=de").status_code == 200

    too_many = english.submit(path, {f"anzahl-{adult}": "3"})
    assert too_many.status_code == 409
    assert (
        "Sorry, only 2 places are free; you wanted to book 3. Please choose fewer tickets or "
        "another slot." in main_text(too_many)
    )
    zu_viele = german.submit(path, {f"anzahl-{adult}": "3"})
    assert "Leider sind nur noch 2 Plätze frei; Sie wollten 3 buchen." in main_text(zu_viele)

    none = english.submit(path, {f"anzahl-{adult}": "0"})
    assert none.status_code == 422
    assert "Please choose at least one ticket." in main_text(none)
    assert "Bitte mindestens ein Ticket wählen." in main_text(
        german.submit(path, {f"anzahl-{adult}": "0"})
    )

    voucher = english.submit(path, {f"anzahl-{adult}": "1", "voucher": "AAAA-BBBB-CCCC-DDDD"})
    assert voucher.status_code == 422
    assert "There is no such voucher code, or it is not for this facility." in main_text(voucher)

    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert (slot.sold, slot.held) == (0, 0)
