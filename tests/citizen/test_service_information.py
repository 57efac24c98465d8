"""What a service says before a citizen starts it, and where it is started (issue 21)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI
from tests.citizen.conftest import DRESDEN, adopt, define_service, staff


def test_a_service_names_documents_legal_basis_and_the_office_in_the_citizens_language(
    region_admin: TestClient, new_client: Callable[[], TestClient]
) -> None:
    define_service(region_admin, DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    key = DOG_TAX_TEMPLATE["key"]
    adopt(
        staff(new_client, "dd.admin"),
        "dresden",
        key,
        office_address="Theaterstraße 11\n01067 Dresden",
        office_hours="Mo–Fr 9–12 Uhr",
    )
    citizen = new_client()
    german = citizen.get(f"{DRESDEN}/services/{key}").json()
    assert german["documents"][0].startswith("Nachweis der Haftpflichtversicherung")
    assert german["legal_basis"].startswith("Hundesteuersatzung")
    assert german["office_address"] == "Theaterstraße 11\n01067 Dresden"
    assert german["office_hours"] == "Mo–Fr 9–12 Uhr"
    assert german["start_page"] is None
    english = citizen.get(f"{DRESDEN}/services/{key}", params={"lang": "en"}).json()
    assert english["documents"][0].startswith("Proof of the dog's liability insurance")


def test_a_service_with_its_own_page_takes_no_application_through_the_general_form(
    region_admin: TestClient, new_client: Callable[[], TestClient]
) -> None:
    own = {**DOG_TAX_TEMPLATE, "key": "eigene-seite", "start_page": "maengel/melden"}
    define_service(region_admin, own, DOG_TAX_SCHEMA, DOG_TAX_UI)
    adopt(staff(new_client, "dd.admin"), "dresden", "eigene-seite")
    citizen = new_client()
    drafted = citizen.post(f"{DRESDEN}/services/eigene-seite/drafts", json={})
    assert drafted.status_code == 409
    assert "maengel/melden" in drafted.json()["detail"]
    direct = citizen.post(
        f"{DRESDEN}/services/eigene-seite/submissions", json={"data": {"name": "Erika"}}
    )
    assert direct.status_code == 409
    wrong = {**DOG_TAX_TEMPLATE, "key": "falsch", "start_page": "https://example.org/"}
    refused = region_admin.post("/dresden/api/v1/catalog/templates", json=wrong)
    assert refused.status_code == 422
