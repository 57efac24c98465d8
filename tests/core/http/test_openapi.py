"""The OpenAPI document describes the errors as they are sent."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_operation_documents_its_errors_as_sent(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # /readyz answers its 503 with the checks that failed, not with a problem.
            statuses = ["401", "403", "404", "429"] + ([] if path == "/readyz" else ["503"])
            for status in statuses:
                assert "application/problem+json" in responses[status]["content"], (path, status)
            if method in ("post", "put", "patch"):
                invalid = responses["422"]["content"]["application/problem+json"]["schema"]
                assert invalid == {"$ref": "#/components/schemas/Problem"}, path


def test_standards_document_their_own_error_format_too(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    sta = paths["/{municipality}/sta/v1.1/{path}"]["get"]["responses"]["404"]["content"]
    assert sta["application/json"]["schema"]["$ref"].endswith("/StaError")
    open311 = paths["/{municipality}/open311/v2/requests.{fmt}"]["post"]["responses"]["400"]
    assert set(open311["content"]) == {
        "application/problem+json",
        "application/json",
        "application/xml",
    }
