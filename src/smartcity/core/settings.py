"""All configuration in one typed place: every setting is one `SMARTCITY_*` environment variable.

Each field here must be documented in docs/configuration.md (a test enforces it).
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "SMARTCITY_"


class SettingsError(RuntimeError):
    """Raised when the configuration cannot work; the message tells the operator what to set."""


class FileValues(PydanticBaseSettingsSource):
    """`SMARTCITY_<NAME>_FILE=/run/secrets/x`: the setting's value is that file's content (one
    trailing newline removed), the way container platforms hand out secrets. The variable
    itself wins when both are set."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[object, str, bool]:
        path = os.environ.get(f"{ENV_PREFIX}{field_name.upper()}_FILE")
        if not path:
            return None, field_name, False
        try:
            content = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(
                f"{ENV_PREFIX}{field_name.upper()}_FILE={path}: cannot read it ({exc.strerror})"
            ) from None
        return content.removesuffix("\n").removesuffix("\r"), field_name, False

    def __call__(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            FileValues(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    data_dir: Path = Field(
        default=Path("data"), description="Directory for the SQLite file, uploads and demo secrets."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty: SQLite file `smartcity.sqlite3` in the data dir.",
    )
    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="HTTP port.")
    migrate_on_start: bool = Field(
        default=True,
        description="`smartcity serve` applies migrations before serving; false: it refuses to "
        "start on a database that is not migrated (migrations run as their own job).",
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="HTTP worker processes (more need an external broker)."
    )
    public_url: str = Field(
        default="",
        description="Public base URL used in links; empty means http://HOST:PORT.",
    )
    mqtt_url: str = Field(
        default="", description="External MQTT broker (mqtt://host:port); empty: embedded broker."
    )
    mqtt_port: int = Field(default=1883, ge=1, le=65535, description="Embedded broker's TCP port.")
    mqtt_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA(s) that sign the external broker's certificate "
        "(mqtts://, e.g. the city's internal CA); unset: the system's CAs.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Server secret (pseudonymises IPs and user names in throttling records).",
    )
    demo_mode: bool = Field(default=False, description="Set by `smartcity demo`.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    log_format: Literal["json", "text"] = Field(default="json")
    session_idle_timeout: int = Field(default=1800, ge=60, description="Seconds.")
    session_absolute_timeout: int = Field(default=43200, ge=300, description="Seconds.")
    cookie_secure: bool = Field(default=True, description="Mark cookies Secure (keep on).")
    map_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Background map tiles ({z}/{x}/{y}); empty: maps show only our own layers.",
    )
    map_attribution: str = Field(
        default="© OpenStreetMap contributors",
        description="Attribution the tile server requires, shown on every map.",
    )
    geocoder_url: str = Field(
        default="",
        description="The city's own Photon-compatible geocoder (https://host/); forms offer "
        "an address search only with it; empty: no address search, no request leaves.",
    )
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window: int = Field(default=900, ge=10, description="Seconds.")
    mfa_required_roles: str = Field(
        default="",
        pattern=r"^[a-z_]*(,[a-z_]+)*$",
        description="Comma-separated roles whose holders (in any municipality) must use a "
        "second factor with password logins, e.g. `admin,region_admin`; empty: none. The "
        "app does not start with a role no installed module declares.",
    )
    initial_password_days: int = Field(
        default=7,
        ge=1,
        description="Days a password set by an administrator is valid before its first use.",
    )
    password_reset_minutes: int = Field(
        default=60, ge=5, le=1440, description="Minutes a password-reset link is valid."
    )
    anonymous_submissions_per_hour: int = Field(
        default=60,
        ge=0,
        description="Applications, drafts, replies and meter readings one client address may "
        "send per hour without logging in; 0: no limit.",
    )
    open311_reports_per_key_per_hour: int = Field(
        default=1000,
        ge=0,
        description="Open311 reports (and reopenings) one API key may send per hour; an app's "
        "key carries many citizens' reports, so the limit is high; 0: no limit.",
    )
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    password_hash_memory_kib: int = Field(
        default=65536, ge=19456, description="argon2id memory cost in KiB (OWASP minimum 19456)."
    )
    password_hash_time_cost: int = Field(default=3, ge=2, description="argon2id iterations.")
    password_hash_parallelism: int = Field(default=4, ge=1, description="argon2id lanes.")
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Where checkpoints of the audit chains are appended; empty: in the data dir.",
    )
    request_threads: int = Field(
        default=24,
        ge=2,
        le=500,
        description="Threads per process that serve requests; more requests wait their turn.",
    )
    request_queue_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="How long a request may wait for a free thread before it gets 503.",
    )
    db_pool_size: int = Field(
        default=0,
        ge=0,
        description="Database connections per process; 0: request threads plus 8 for the rest.",
    )
    sta_max_top: int = Field(
        default=10000, ge=1, description="Largest $top a SensorThings request may ask for."
    )
    sta_max_entities: int = Field(
        default=20_000,
        ge=1,
        description=(
            "Most entities one SensorThings response holds, expanded ones included; "
            "beyond, the page ends early with an @iot.nextLink."
        ),
    )
    sta_read_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="How long a SensorThings read may run before it is stopped with 503.",
    )
    sta_count_estimate_above: int = Field(
        default=1_000_000,
        ge=0,
        description="$count answers PostgreSQL's estimate above this many rows (0: exact).",
    )
    instance_name: str = Field(
        default_factory=socket.gethostname,
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="Names this instance's MQTT sessions at an external broker; keep it stable.",
    )
    mqtt_share_group: str = Field(
        default="smartcity",
        pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description=(
            "MQTT 5 shared-subscription group the instances split device messages in; empty: "
            "plain subscriptions, for a single worker process (see docs/mqtt.md)."
        ),
    )
    mqtt_session_expiry: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="Seconds an external broker keeps an instance's session while it is away.",
    )
    mqtt_observation_topics: str = Field(
        default="datastream,feature,municipality",
        pattern=r"^((datastream|feature|municipality)(,(datastream|feature|municipality))*)?$",
        description="Topics a new Observation is notified on (each costs CPU per Observation).",
    )
    retention_raw_days: int = Field(
        default=0, ge=0, description="Days raw Observations are kept (0: forever)."
    )
    retention_rollup_days: int = Field(
        default=0, ge=0, description="Days hourly and daily rollups are kept (0: forever)."
    )
    ingest_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long the ingestion path trusts cached API keys and Datastream facts.",
    )
    ingest_max_batch: int = Field(
        default=5000, ge=1, description="Most Observations written in one ingestion commit."
    )
    ingest_max_pending: int = Field(
        default=50_000,
        ge=1,
        description="Observations waiting to be written before producers are held back.",
    )
    mail_url: str = Field(
        default="",
        description="smtp://user:pass@host:587, smtps://…, maildir:///path; empty: DATA_DIR/mail.",
    )
    mail_from: str = Field(
        default="Smart City <noreply@localhost>", description="Sender of the platform's e-mail."
    )
    upload_max_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Largest accepted upload in bytes."
    )
    upload_max_files: int = Field(
        default=10, ge=1, description="Most files attached to one application or case."
    )
    clamav_url: str = Field(
        default="",
        description="clamd to scan uploads (tcp://host:3310 or unix:///path); empty: none.",
    )
    draft_days: int = Field(
        default=30, ge=1, description="Days a saved application draft and its resume link live."
    )
    snapshot_seconds: float = Field(
        default=5,
        ge=0,
        le=300,
        description="Seconds another process or instance may keep using its copy of a "
        "municipality or an offered service after a change (requests read them without a "
        "query); 0: read them on every request.",
    )
    oidc_issuer: str = Field(default="", description="OIDC issuer URL; empty disables OIDC login.")
    oidc_client_id: str = Field(default="")
    oidc_client_secret: SecretStr | None = Field(default=None)
    oidc_scopes: str = Field(default="openid email profile")
    citizen_oidc_issuer: str = Field(
        default="", description="Citizens' OIDC provider; empty: citizens apply without login."
    )
    citizen_oidc_client_id: str = Field(default="")
    citizen_oidc_client_secret: SecretStr | None = Field(default=None)
    citizen_oidc_scopes: str = Field(default="openid email profile")

    @field_validator("mail_url")
    @classmethod
    def _mail_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("smtp://", "smtps://", "maildir://")):
            raise ValueError("must start with smtp://, smtps:// or maildir://, or be empty")
        return value

    @field_validator("clamav_url")
    @classmethod
    def _clamav_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("tcp://", "unix://")):
            raise ValueError("must start with tcp:// or unix://, or be empty")
        return value

    @field_validator("geocoder_url")
    @classmethod
    def _geocoder_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, or be empty")
        return value.rstrip("/")

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("mqtt://", "mqtts://")):
            raise ValueError("must start with mqtt:// or mqtts://, or be empty")
        return value

    @field_validator("mqtt_ca_file", mode="before")
    @classmethod
    def _ca_file_empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("mqtt_ca_file")
    @classmethod
    def _ca_file_readable(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        try:
            ssl.create_default_context(cafile=str(value))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"{value} is not a readable PEM file of certificates") from exc
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smartcity.sqlite3').resolve()}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def mfa_roles(self) -> frozenset[str]:
        return frozenset(role for role in self.mfa_required_roles.split(",") if role)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def citizen_oidc_enabled(self) -> bool:
        return bool(self.citizen_oidc_issuer and self.citizen_oidc_client_id)

    @property
    def effective_audit_checkpoint_file(self) -> Path:
        return self.audit_checkpoint_file or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def effective_db_pool_size(self) -> int:
        """A request thread never waits for a connection: one each, plus the ingestion
        pipeline, jobs, readiness checks and snapshot loads."""
        return self.db_pool_size or self.request_threads + 8

    def require_secret_key(self) -> str:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) >= 32:
            return self.secret_key.get_secret_value()
        if self.demo_mode:
            return demo_secret(self.data_dir)
        raise SettingsError(
            "SMARTCITY_SECRET_KEY is not set (or shorter than 32 characters). "
            'Generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


@functools.lru_cache(maxsize=8)
def demo_secret(data_dir: Path) -> str:
    """The demo's secret, generated once and kept in its data directory (read once per process:
    requests ask for it)."""
    path = data_dir / "demo-secret-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(value)
    return value
