"""The channel's own settings (environment variables, documented in docs/channel.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCITY_CHANNEL_", extra="ignore")

    allow_private_addresses: bool = Field(
        default=False,
        description="Let federation reach loopback and private addresses over plain http "
        "(tests, a closed network); by default only public https servers are contacted.",
    )
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=12, ge=1, le=50)
