"""The wifi module's own settings (environment variables, documented in docs/wifi.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WifiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCITY_WIFI_", extra="ignore")

    max_list_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest node list (meshviewer.json, nodes.json) read from the address.",
    )
    fetch_timeout_seconds: float = Field(
        default=20.0, gt=0, le=300, description="Time allowed for one download of the list."
    )
    allow_private_addresses: bool = Field(
        default=False,
        description="Let the download reach loopback and private addresses (tests, a closed "
        "network); by default only public servers are contacted.",
    )
