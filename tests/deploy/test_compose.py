"""The Compose setup for a small municipality, checked as `docker compose config` would and
against our own rules: hardened app containers, secrets as files, nothing undefined."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    return document


def test_services_volumes_and_secrets_are_all_defined() -> None:
    document = compose()
    services = document["services"]
    assert set(services) == {"db", "mqtt", "migrate", "app", "proxy"}
    for name, service in services.items():
        for secret in service.get("secrets", []):
            assert secret in document["secrets"], f"{name}: secret {secret} undefined"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                if "secrets/" in source:
                    continue  # written by make-secrets.sh
                assert (COMPOSE / source).exists(), f"{name}: {source} missing"
            else:
                assert source in document["volumes"], f"{name}: volume {source} undefined"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    for secret in document["secrets"].values():
        assert secret["file"].startswith("./secrets/")


def test_app_runs_hardened_with_two_workers_after_migrations() -> None:
    services = compose()["services"]
    app, migrate = services["app"], services["migrate"]
    assert app["environment"]["SMARTCITY_WORKERS"] == "2"
    assert app["command"] == ["serve"]
    assert migrate["command"] == ["migrate"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for service in (app, migrate):
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert "/tmp" in service["tmpfs"]
        for variable, value in service["environment"].items():
            if variable.endswith(("SECRET_KEY", "DATABASE_URL", "MQTT_URL")):
                raise AssertionError(f"{variable} inline; use the _FILE form")
            if variable.endswith("_FILE"):
                assert value.startswith("/run/secrets/")
    assert "/readyz" in " ".join(app["healthcheck"]["test"])


def test_mosquitto_uses_the_shipped_settings_and_caddy_terminates_tls() -> None:
    services = compose()["services"]
    mounts = services["mqtt"]["volumes"]
    assert "../mosquitto/smartcity.conf:/mosquitto/config/conf.d/smartcity.conf:ro" in mounts
    config = (COMPOSE / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in config
    assert "include_dir /mosquitto/config/conf.d" in config
    caddyfile = (COMPOSE / "Caddyfile").read_text()
    assert "reverse_proxy app:8000" in caddyfile
    assert "protocols tls1.2 tls1.3" in caddyfile
    assert services["proxy"]["ports"] == ["80:80", "443:443"]


def test_env_example_sets_every_required_variable() -> None:
    text = (COMPOSE / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    optional = set(re.findall(r"\$\{([A-Z_]+):-", text))
    example = dict(
        line.split("=", 1)
        for line in (COMPOSE / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert required <= set(example), required - set(example)
    assert all(example[name] for name in required)
    assert optional - set(example) == set(), "document every setting in .env.example"
