"""An instance that consumes from an external broker without SMARTCITY_INSTANCE_NAME names its
sessions after the host, which in a container changes with every new one: the sessions of
earlier names pile up in the share group (docs/mqtt.md). It says so once at the start and in
/readyz; with the embedded broker (the default) there is nothing to warn about."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.mqtt import parse_mqtt_url
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.sensorthings.mqtt.sessions import consumer_client_id, retire_session
from tests.conftest import free_port

WARNING = "SMARTCITY_INSTANCE_NAME is not set"


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings, but with the instance name left to its default: the host name, a
    container's random one here."""
    monkeypatch.delenv("SMARTCITY_INSTANCE_NAME", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: f"c{uuid.uuid4().hex[:11]}")
    unnamed = Settings(**settings.model_dump(exclude={"instance_name"}))
    assert "instance_name" not in unnamed.model_fields_set
    return unnamed


@pytest.fixture
def external(platform: Platform, mosquitto_url: str) -> Iterator[Platform]:
    platform.settings.mqtt_url = mosquitto_url
    yield platform
    # Leave no session of the made-up host at the machine's broker.
    retire_session(
        parse_mqtt_url(mosquitto_url), consumer_client_id(platform.settings.instance_name, 0)
    )


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_an_external_broker_without_instance_name_is_warned_about(
    external: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    host = external.settings.instance_name
    with (
        caplog.at_level(logging.WARNING),
        TestClient(create_app(platform=external, run_jobs=False)) as client,
    ):
        ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    check = ready.json()["checks"]["instance_name"]
    assert check["ok"] is True  # a warning; the instance still serves
    assert check["detail"].startswith(f"warning: {WARNING}")
    assert f"({host})" in check["detail"]
    said = [m for m in _warnings(caplog) if WARNING in m]
    assert len(said) == 1
    assert "Set SMARTCITY_INSTANCE_NAME to a stable name" in said[0]


def test_with_an_instance_name_there_is_no_warning(
    external: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    external.settings.instance_name = external.settings.instance_name  # set explicitly
    with (
        caplog.at_level(logging.WARNING),
        TestClient(create_app(platform=external, run_jobs=False)) as client,
    ):
        ready = client.get("/readyz")
    assert "instance_name" not in ready.json()["checks"]
    assert not [m for m in _warnings(caplog) if WARNING in m]


def test_the_embedded_default_is_not_warned_about(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    platform.settings.mqtt_port = free_port()
    with (
        caplog.at_level(logging.WARNING),
        TestClient(create_app(platform=platform, run_jobs=False)) as client,
    ):
        ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert "instance_name" not in ready.json()["checks"]
    assert not [m for m in _warnings(caplog) if WARNING in m]
