"""Every setting is documented, and secrets have no default outside the demo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smartcity.core.settings import ENV_PREFIX, Settings, SettingsError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`(SMARTCITY_[A-Z0-9_]+)`", DOCS.read_text()))
    expected = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert expected - documented == set(), "undocumented settings"
    from_files = {name + "_FILE" for name in expected}
    assert documented - expected - from_files <= {
        "SMARTCITY_NEW_PASSWORD",
        "SMARTCITY_TEST_POSTGRES_URL",
    }


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_PORT", "9000")
    monkeypatch.setenv("SMARTCITY_MQTT_URL", "mqtt://broker.internal:1883")
    settings = Settings()
    assert settings.port == 9000
    assert settings.mqtt_url == "mqtt://broker.internal:1883"


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_MQTT_URL", "http://wrong")
    with pytest.raises(ValueError, match="mqtt://"):
        Settings()


def test_a_ca_file_that_holds_no_certificates_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SMARTCITY_MQTT_CA_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match=r"missing\.pem is not a readable PEM file"):
        Settings()
    (tmp_path / "notes.pem").write_text("not a certificate")
    monkeypatch.setenv("SMARTCITY_MQTT_CA_FILE", str(tmp_path / "notes.pem"))
    with pytest.raises(ValueError, match=r"notes\.pem"):
        Settings()
    monkeypatch.setenv("SMARTCITY_MQTT_CA_FILE", "")
    assert Settings().mqtt_ca_file is None


def test_secret_key_has_no_default_outside_demo(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(SettingsError, match="SMARTCITY_SECRET_KEY"):
        settings.require_secret_key()


def test_demo_generates_and_keeps_its_secret(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, demo_mode=True).require_secret_key()
    second = Settings(data_dir=tmp_path, demo_mode=True).require_secret_key()
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/smartcity.sqlite3"


def test_a_secret_comes_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Container platforms mount secrets as files; `<NAME>_FILE` names one."""
    secret = tmp_path / "secret-key"
    secret.write_text("s" * 48 + "\n")
    monkeypatch.setenv("SMARTCITY_SECRET_KEY_FILE", str(secret))
    monkeypatch.setenv("SMARTCITY_PORT_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="SMARTCITY_PORT_FILE"):
        Settings()
    monkeypatch.delenv("SMARTCITY_PORT_FILE")
    assert Settings().require_secret_key() == "s" * 48
    monkeypatch.setenv("SMARTCITY_SECRET_KEY", "e" * 40)
    assert Settings().require_secret_key() == "e" * 40, "the variable wins over the file"
