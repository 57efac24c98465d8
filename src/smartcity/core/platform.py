"""The running platform's shared objects, built once per process and handed to routes,
CLI commands and jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import make_engine, make_session_factory
from smartcity.core.events import BUS_KEY, EventBus
from smartcity.core.identity.passwords import PasswordHashing
from smartcity.core.identity.sessions import SessionPolicy
from smartcity.core.identity.throttle import ThrottlePolicy
from smartcity.core.portal import Portal
from smartcity.core.settings import Settings
from smartcity.core.snapshots import SNAPSHOTS_KEY, Snapshots


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    passwords: PasswordHashing
    bus: EventBus = field(default_factory=EventBus)

    @classmethod
    def from_settings(cls, settings: Settings) -> Platform:
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(
            settings.effective_database_url, pool_size=settings.effective_db_pool_size
        )
        passwords = PasswordHashing(
            memory_kib=settings.password_hash_memory_kib,
            time_cost=settings.password_hash_time_cost,
            parallelism=settings.password_hash_parallelism,
        )
        # The copies of core/snapshots travel with every session of this platform.
        snapshots = Snapshots(settings.snapshot_seconds)
        # The bus travels with every session too, for services that raise events themselves.
        bus = EventBus()
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine, **{SNAPSHOTS_KEY: snapshots, BUS_KEY: bus}),
            passwords=passwords,
            bus=bus,
        )

    # Computed once per process: the demo's secret lives in a file.
    @cached_property
    def portal(self) -> Portal:
        return Portal.of(self.settings)

    @cached_property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle_timeout=timedelta(seconds=self.settings.session_idle_timeout),
            absolute_timeout=timedelta(seconds=self.settings.session_absolute_timeout),
            mfa_roles=self.settings.mfa_roles,
        )

    @cached_property
    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            secret=self.settings.require_secret_key(),
            max_failures=self.settings.login_max_failures,
            window=timedelta(seconds=self.settings.login_failure_window),
        )
