"""The transit module's own settings (environment variables, documented in docs/transit.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TransitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCITY_TRANSIT_", extra="ignore")

    max_feed_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="Largest GTFS zip accepted by upload or download.",
    )
    allow_private_addresses: bool = Field(
        default=False,
        description="Let the feed downloads reach loopback and private addresses (tests, a "
        "closed network); by default only public servers are contacted.",
    )
    demo_mode: bool = Field(
        default=False,
        validation_alias="SMARTCITY_DEMO_MODE",
        description="Set by `smartcity demo` (the platform's own demo flag): the realtime "
        "poll may then reach the loopback address, where the demo's simulator serves its "
        "GTFS-Realtime feed. Private networks stay closed.",
    )
    fetch_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    batch_rows: int = Field(default=5000, ge=100, le=100_000)
