"""The HTTP application's shared behaviour: health, readiness, metrics, errors, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import World, free_port


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["ready"] is True
    assert body["checks"]["database"]["ok"] is True


def test_readyz_with_external_broker(settings: Settings, mosquitto_url: str) -> None:
    settings.mqtt_url = mosquitto_url
    platform = Platform.from_settings(settings)
    with TestClient(create_app(platform=platform)) as client:
        body = client.get("/readyz").json()
    assert body["checks"]["broker"] == {"ok": True, "detail": "connected"}


def test_an_mqtts_broker_is_spoken_to_over_tls_only(settings: Settings, mosquitto_url: str) -> None:
    # The machine's Mosquitto speaks plain MQTT: with mqtts:// the platform insists on TLS
    # and is not ready, rather than sending its password in clear.
    settings.mqtt_url = mosquitto_url.replace("mqtt://", "mqtts://")
    platform = Platform.from_settings(settings)
    with TestClient(create_app(platform=platform)) as client:
        broker = client.get("/readyz").json()["checks"]["broker"]
    assert broker["ok"] is False
    assert "cannot connect" in broker["detail"]


def test_a_broker_certified_by_the_citys_own_ca(
    settings: Settings, tls_mosquitto: tuple[int, Path]
) -> None:
    port, ca = tls_mosquitto
    settings.mqtt_url = f"mqtts://127.0.0.1:{port}"
    settings.mqtt_ca_file = ca
    platform = Platform.from_settings(settings)
    with TestClient(create_app(platform=platform)) as client:
        ready = client.get("/readyz").json()
    broker = ready["checks"]["broker"]
    assert broker == {"ok": True, "detail": "connected"}
    # The ingestion's own connection (paho, QoS 1) trusts the same CA: it is subscribed.
    assert ready["checks"]["ingestion"] == {"ok": True, "detail": "subscribed"}


def test_readyz_is_503_when_broker_is_down(settings: Settings) -> None:
    settings.mqtt_url = f"mqtt://127.0.0.1:{free_port()}"
    platform = Platform.from_settings(settings)
    with TestClient(create_app(platform=platform)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["checks"]["broker"]["ok"] is False


def test_readyz_is_503_when_database_is_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
        secret_key="s" * 40,
    )
    with TestClient(create_app(settings, run_broker=False)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"]["ok"] is False
        assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_embedded_broker_accepts_device_keys_only(settings: Settings, world: World) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    settings.mqtt_port = free_port()
    good_key = world.api_key(world.dresden, "sta:write")
    other_key = world.api_key(world.dresden, "audit:read")
    app = create_app(platform=world.platform)

    def connect(password: str) -> bool:
        client = mqtt.Client(CallbackAPIVersion.VERSION2)
        client.username_pw_set("device-17", password)
        try:
            return client.connect("127.0.0.1", settings.mqtt_port) == 0 and _connack(client)
        finally:
            client.disconnect()

    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"]["broker"]["ok"] is True
        assert connect(good_key)
        assert not connect(other_key)  # a key without an MQTT scope
        assert not connect("sck_wrong")


def _connack(client: object) -> bool:
    import threading

    done = threading.Event()
    outcome: dict[str, bool] = {}

    def on_connect(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome["ok"] = not reason.is_failure  # type: ignore[attr-defined]
        done.set()

    client.on_connect = on_connect  # type: ignore[attr-defined]
    client.loop_start()  # type: ignore[attr-defined]
    done.wait(5)
    client.loop_stop()  # type: ignore[attr-defined]
    return outcome.get("ok", False)


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "smartcity_http_requests_total" in response.text
    assert 'route="/healthz"' in response.text


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/healthz", "/does-not-exist", "/api/docs"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        # ASVS 5.0 3.4.3: no plugins, no <base> that would redirect relative addresses.
        assert "object-src 'none'; base-uri 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["strict-transport-security"].startswith("max-age=")  # client uses https


def test_no_hsts_over_plain_http(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as client:
        assert "strict-transport-security" not in client.get("/healthz").headers


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])


def test_errors_are_problem_details(client: TestClient, world: World) -> None:
    response = client.get("/atlantis/api/v1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert "atlantis" in body["detail"]
    invalid = client.post("/auth/login", json={"username": "x"})
    assert invalid.status_code == 422
    assert "password" in invalid.json()["errors"]


def test_oversized_bodies_are_refused(client: TestClient, world: World) -> None:
    limit = world.platform.settings.max_request_bytes
    response = client.post(
        "/auth/login",
        content=b"{" + b" " * limit + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_malformed_json_is_a_client_error(client: TestClient) -> None:
    response = client.post(
        "/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_openapi_and_self_hosted_docs(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/dresden/api/v1" not in spec["paths"]
    assert "/{municipality}/api/v1/staff" in spec["paths"]
    page = client.get("/api/docs").text
    assert "<script>" not in page  # no inline script: the CSP forbids it
    assert "https://" not in page  # nothing from a CDN
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert client.get(asset).status_code == 200, asset


def test_the_docs_load_a_swagger_ui_that_reads_openapi_3_1(client: TestClient) -> None:
    """Swagger UI 4 answers "Unable to render this definition" for OpenAPI 3.1; 5 reads it."""
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.1")
    page = client.get("/api/docs").text
    assert '<script src="/static/swagger-ui/swagger-ui-bundle.js">' in page
    bundle = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.(\d+)\.(\d+)"', bundle.text)
    assert version, "no version in the served Swagger UI"
    assert int(version.group(1)) >= 5
    assert "Apache License" in client.get("/static/swagger-ui/LICENSE").text
    # no validator badge from swagger.io: the page asks nobody but us
    assert "validatorUrl: null" in client.get("/api/docs/init.js").text


def test_oversized_chunked_bodies_are_refused(client: TestClient, world: World) -> None:
    limit = world.platform.settings.max_request_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'", "password": "y"}'

    response = client.post(
        "/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_trace_and_directory_listings_are_not_served(client: TestClient) -> None:
    # ASVS 5.0 13.4.3 and 13.4.4.
    assert client.request("TRACE", "/healthz").status_code == 405
    assert client.get("/static/web/").status_code == 404


def test_readyz_is_503_not_500_when_no_connection_is_free(settings: Settings) -> None:
    settings.request_threads = 2
    settings.db_pool_size = 1
    platform = Platform.from_settings(settings)
    app = create_app(platform=platform, run_broker=False, run_jobs=False)
    with TestClient(app) as client:
        held = platform.engine.connect()  # the only connection, as under a flood of requests
        try:
            response = client.get("/readyz")
        finally:
            held.close()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "no answer within" in response.json()["checks"]["database"]["detail"]
        assert client.get("/readyz").status_code == 200
