from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World, login


def test_auditor_reads_and_verifies_own_chain(client: TestClient, world: World) -> None:
    login(client, "dd.auditor")
    entries = client.get("/dresden/api/v1/audit").json()
    assert entries
    assert {e["action"] for e in entries} >= {"role.assign"}
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True)
    verification = client.get("/dresden/api/v1/audit/verify").json()
    assert verification == {"ok": True, "entries": len(entries), "problem": None}


def test_actions_through_the_api_are_audited_with_request_id(
    client: TestClient, world: World
) -> None:
    login(client, "dd.admin")
    response = client.post(
        "/dresden/api/v1/api-keys",
        json={"name": "Wetterstation", "scopes": ["sta:write"]},
        headers={"X-Request-ID": "req-4711"},
    )
    assert response.status_code == 201
    entries = client.get("/dresden/api/v1/audit", params={"resource_type": "api_key"}).json()
    assert entries[0]["action"] == "apikey.create"
    assert entries[0]["request_id"] == "req-4711"
    assert entries[0]["actor"] == f"user:{world.accounts['dd.admin'].id}"


def test_audit_of_another_municipality_is_invisible(client: TestClient, world: World) -> None:
    login(client, "rb.admin")
    entries = client.get("/radebeul/api/v1/audit").json()
    assert entries
    assert all(
        e["resource_type"] != "municipality" or e["resource_id"] != str(world.dresden.id)
        for e in entries
    )
    dresden_users = {str(world.accounts[u].id) for u in ("dd.admin", "dd.clerk.a")}
    assert not dresden_users & {e["resource_id"] for e in entries}
