"""Starting the server: a taken MQTT port is explained, not a traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcity.core.platform import Platform
from smartcity.core.settings import Settings, SettingsError
from smartcity.server import choose_broker_port


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        yield blocker.getsockname()[1]


def test_serve_names_the_taken_port_and_the_ways_out(tmp_path: Path, taken_port: int) -> None:
    platform = Platform.from_settings(Settings(data_dir=tmp_path, mqtt_port=taken_port))
    with pytest.raises(SettingsError) as raised:
        choose_broker_port(platform)
    message = str(raised.value)
    assert str(taken_port) in message
    assert "SMARTCITY_MQTT_PORT" in message
    assert "SMARTCITY_MQTT_URL" in message


def test_demo_moves_to_the_next_free_port(
    tmp_path: Path, taken_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, mqtt_port=taken_port, demo_mode=True)
    choose_broker_port(Platform.from_settings(settings))
    assert settings.mqtt_port > taken_port
    assert f"MQTT port {taken_port} is taken" in capsys.readouterr().out


def test_external_broker_needs_no_local_port(tmp_path: Path, taken_port: int) -> None:
    settings = Settings(
        data_dir=tmp_path, mqtt_port=taken_port, mqtt_url=f"mqtt://127.0.0.1:{taken_port}"
    )
    choose_broker_port(Platform.from_settings(settings))
    assert settings.mqtt_port == taken_port
